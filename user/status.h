/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * One printer for text and JSON: status and events describe a device by
 * calling the same field functions in both modes, so the two outputs always
 * carry the same facts.
 */
#ifndef RBLK_STATUS_H
#define RBLK_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"

/*
 * Every JSON object of status and events says it first. Within a version
 * fields are only added; renaming, removing or changing the meaning of
 * one makes the next version.
 */
#define RBLK_JSON_VERSION 1

struct printer {
	bool json;
	bool first;		/* no field printed yet at this level */
	bool line_start;	/* text: at the start of a line */
};

void printer_init(struct printer *p, bool json);
void printer_list_begin(struct printer *p);
void printer_list_end(struct printer *p);
/* An object; in text mode @title starts its first line. */
void printer_obj_begin(struct printer *p, const char *title);
void printer_obj_end(struct printer *p);
/* End an object that stands alone on its line (JSON Lines), not in a list. */
void printer_record_end(struct printer *p);
/* Text: start an indented continuation line. JSON: nothing. */
void printer_line(struct printer *p);
void field_str(struct printer *p, const char *key, const char *val);
void field_u64(struct printer *p, const char *key, uint64_t val);
void field_bool(struct printer *p, const char *key, bool val);

/* Writes counted in the latency histogram. */
uint64_t wlat_count(const struct rblk_dev_info *d);

const char *role_name(uint8_t role);
const char *disk_state_name(uint8_t state);
const char *event_name(uint8_t event);
const char *susp_name(uint32_t susp);
const char *conn_state_name(uint8_t s);

/* DRBD 8.4's local/peer pairs: "Primary/Secondary", "UpToDate/DUnknown". */
const char *roles_pair(const struct rblk_dev_info *d, char *buf, size_t len);
const char *disks_pair(const struct rblk_dev_info *d, char *buf, size_t len);

/* "8 KiB differ (2 blocks) in 262144 KiB checked, 12 s" (+ where it stopped). */
void verify_summary(const struct rblk_dev_info *d, char *buf, size_t len);

void print_device(struct printer *p, const struct rblk_dev_info *d);
void print_device_event(struct printer *p, const struct rblk_dev_info *d);
/* The Prometheus text exposition format, for @n devices. */
void print_metrics(const struct rblk_dev_info *v, size_t n);

#endif
