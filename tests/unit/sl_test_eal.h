/* sl_test_eal.h: EAL start-up shared by the unit tests that need mbufs,
 * rings or hashes: no hugepages, no PCI, no shared files, a prefix of
 * their own so tests can run side by side. */
#ifndef SL_TEST_EAL_H
#define SL_TEST_EAL_H

#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

/* Starts EAL for test name with the lcore list lcores ("0" or "0-1").
 * Returns rte_eal_init's result. */
static inline int
sl_test_eal_init(const char *name, const char *lcores)
{
	char prefix[64], lc[32];
	char *argv[] = {
		(char *)(uintptr_t)name, lc, (char *)(uintptr_t)"--no-huge",
		(char *)(uintptr_t)"-m", (char *)(uintptr_t)"256",
		(char *)(uintptr_t)"--no-pci", (char *)(uintptr_t)"--no-shconf",
		(char *)(uintptr_t)"--log-level=lib.*:error", prefix, NULL,
	};

	snprintf(lc, sizeof(lc), "--lcores=%s", lcores);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s_%d", name, (int)getpid());
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

#endif
