/* sl_tls.h: the server TLS context of the stream listeners (syslog over
 * TLS, RFC 5425, and RELP over TLS), from OpenSSL: certificates and the
 * client-certificate policy of the [tls] section. */
#ifndef SL_TLS_H
#define SL_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "sl_config-t.h"

/* Creates a server context with c's certificate chain, key, CA file and
 * verify_client policy; TLS 1.2 at least. Returns it, or NULL with the
 * reason (file and OpenSSL's error) in err. Freed with SSL_CTX_free(). */
SSL_CTX *sl_tls_server_ctx(const struct sl_config *c, char *err, size_t errlen);

/* Writes OpenSSL's oldest queued error as text into buf and empties the
 * queue (the thread's). Returns buf. */
const char *sl_tls_error(char *buf, size_t len);

#endif
