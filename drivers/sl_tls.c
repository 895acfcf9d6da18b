/* sl_tls.c: OpenSSL server context for the stream listeners. */
#include <stdio.h>

#include <openssl/err.h>

#include "sl_tls.h"

const char *
sl_tls_error(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(buf, len, "unknown TLS error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

SSL_CTX *
sl_tls_server_ctx(const struct sl_config *c, char *err, size_t errlen)
{
	char why[256];
	SSL_CTX *ctx;
	int mode;

	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		snprintf(err, errlen, "[tls]: %s", sl_tls_error(why, sizeof(why)));
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto ssl_fail;
	/* A peer that drops the connection without close_notify has ended
	 * its stream like a TCP peer does; no error for that. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Responses are written from a buffer that moves as it drains. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
		snprintf(err, errlen, "[tls] cert %s: %s", c->tls_cert,
			 sl_tls_error(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key, SSL_FILETYPE_PEM) != 1) {
		snprintf(err, errlen, "[tls] key %s: %s", c->tls_key,
			 sl_tls_error(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "[tls] key %s does not match cert %s: %s",
			 c->tls_key, c->tls_cert, sl_tls_error(why, sizeof(why)));
		goto fail;
	}
	if (c->tls_ca[0] != '\0' &&
	    SSL_CTX_load_verify_locations(ctx, c->tls_ca, NULL) != 1) {
		snprintf(err, errlen, "[tls] ca %s: %s", c->tls_ca,
			 sl_tls_error(why, sizeof(why)));
		goto fail;
	}
	switch (c->tls_verify) {
	case SL_TLS_VERIFY_NONE:
		mode = SSL_VERIFY_NONE;
		break;
	case SL_TLS_VERIFY_OPTIONAL:
		mode = SSL_VERIFY_PEER;
		break;
	case SL_TLS_VERIFY_REQUIRED:
	default:
		mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
		break;
	}
	SSL_CTX_set_verify(ctx, mode, NULL);
	return ctx;
ssl_fail:
	snprintf(err, errlen, "[tls]: %s", sl_tls_error(why, sizeof(why)));
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
