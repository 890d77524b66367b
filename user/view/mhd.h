/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libmicrohttpd, opened when `vizbpf view` serves (mhd_open), not linked: linked, its TLS
 * library's set-up ran at every vizbpf start (~2.7 ms of each launch, measured against the
 * same empty program linked with and without it). Include this instead of <microhttpd.h>: the
 * library's functions named here are called through the table mhd_open fills.
 */
#ifndef VZ_USER_MHD_H
#define VZ_USER_MHD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

struct mhd_api {
	__typeof__(&MHD_start_daemon) start_daemon;
	__typeof__(&MHD_stop_daemon) stop_daemon;
	__typeof__(&MHD_lookup_connection_value) lookup_connection_value;
	__typeof__(&MHD_queue_response) queue_response;
	__typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
	__typeof__(&MHD_create_response_from_callback) create_response_from_callback;
	__typeof__(&MHD_create_response_from_fd64) create_response_from_fd64;
	__typeof__(&MHD_add_response_header) add_response_header;
	__typeof__(&MHD_destroy_response) destroy_response;
};

extern struct mhd_api mhd;

/* Opens the library and fills mhd. 0, or -1 after printing one line. */
int mhd_open(void);

#define MHD_start_daemon mhd.start_daemon
#define MHD_stop_daemon mhd.stop_daemon
#define MHD_lookup_connection_value mhd.lookup_connection_value
#define MHD_queue_response mhd.queue_response
#define MHD_create_response_from_buffer mhd.create_response_from_buffer
#define MHD_create_response_from_callback mhd.create_response_from_callback
#define MHD_create_response_from_fd64 mhd.create_response_from_fd64
#define MHD_add_response_header mhd.add_response_header
#define MHD_destroy_response mhd.destroy_response

#endif
