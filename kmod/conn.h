/* SPDX-License-Identifier: GPL-2.0 */
#ifndef RBLK_CONN_H
#define RBLK_CONN_H

#include <linux/kthread.h>
#include <linux/ratelimit.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <rblk/genl.h>
#include <rblk/gi.h>
#include <rblk/wire.h>

#include "auth.h"
#include "resync.h"
#include "tl.h"
#include "verify.h"

struct rblk_device;
struct request;

struct rblk_net_opts {
	u32 ping_int, ping_timeout, timeout, ko_count, connect_int;	/* ms */
	u32 sndbuf, rcvbuf;						/* bytes */
	u32 after_sb[3];		/* enum rblk_after_sb, by Primaries */
	u32 verify_alg, csums_alg;	/* enum rblk_digest_alg */
	u32 resync_rate;		/* KiB/s, used when c_plan_ahead is 0 */
	u32 c_plan_ahead;		/* ms; 0 = fixed resync_rate */
	u32 max_buffers;		/* pages the peer's requests may hold */
	u32 fencing;			/* enum rblk_fencing */
	u32 handler_timeout;		/* ms a waited handler may take, 0 = none */
	u32 before_resync_wait;		/* before-resync-target is waited for */
	struct rblk_auth_secret auth;	/* cram-hmac-alg, shared-secret */
};

/*
 * What the peer told us in its last STATE packet. Its role and disk are
 * taken into dev->state by state.c (after the connect decision); this
 * copy is the packet, for the decision and for what only it has.
 */
struct rblk_peer_state {
	u8 role, disk_state, state_flags;
	u64 data_sectors;
	u64 bits_set;			/* its out-of-sync blocks */
	struct rblk_gi gi;
};

/*
 * A packet without bulk data waiting for the sender: STATE, PING, digests
 * ... The payload is the fixed part, then len - fixed_len bytes of data.
 */
struct rblk_ctl {
	struct list_head list;
	u16 type;
	u32 len, fixed_len;
	u32 charge;			/* pages of conn->peer_pages it holds */
	bool owed;			/* answers a request: counted in conn->owed */
	u8 payload[];
};

/*
 * The connection of one device to its peer. A device has one from
 * RBLK_CMD_CONNECT until RBLK_CMD_DISCONNECT (or removal): the worker
 * thread connects, runs the receiver while connected and reconnects after
 * a loss; the sender thread exists while connected.
 */
struct rblk_conn {
	struct rblk_device *dev;
	struct net *net;
	struct sockaddr_storage local, peer;
	int addrlen;
	char node[RBLK_WIRE_NAME_LEN], peer_node[RBLK_WIRE_NAME_LEN];
	struct rblk_net_opts opts;
	u32 flags;			/* enum rblk_connect_flags */

	struct task_struct *worker;
	struct task_struct *sender;
	struct socket *listen_sock;
	struct socket *sock;		/* in handshake, then committed */
	struct mutex sock_mutex;	/* ->sock changes; stop shuts it down */
	/*
	 * Held by whoever sends: the sender thread, or a request's worker
	 * that found it free (rblk_send_queued). ->sending says that the
	 * socket is there to send on (from the sender's start to teardown).
	 */
	struct mutex send_mutex;
	bool sending;
	bool stopping;
	bool fatal;			/* go StandAlone, don't reconnect */
	bool won_nonce;			/* our HELLO nonce was the larger */
	bool accepted;			/* the peer connected to us */
	/* Set during the handshake: no read may go on past it. */
	unsigned long hs_deadline;
	struct ratelimit_state err_rs;	/* this connection's log lines */
	struct ratelimit_state state_rs; /* changes the peer's STATEs make */
	bool sb_helper;			/* run split-brain after the handshake */
	bool isb_helper;		/* ... initial-split-brain (any split brain) */
	bool pl_helper;			/* ... pri-lost-after-sb (this Primary lost) */

	/*
	 * Protects the send queues, peer_state, the resync's and verify's
	 * counters, and (with dev->lock) dev->state. Taken from bio
	 * completion (acks), hence irqsave.
	 */
	spinlock_t lock;
	struct list_head ack_queue;	/* struct rblk_peer_req, done */
	/*
	 * A SyncSource's answers to its Primary's writes that overlap a
	 * resync block in flight (dev->write_lock; kmod/recv.c).
	 */
	struct list_head held_acks;
	struct list_head ctl_queue;	/* struct rblk_ctl */
	struct list_head data_queue;	/* struct rblk_req, Primary writes */
	wait_queue_head_t send_wq;
	struct rblk_peer_state peer_state;

	u32 send_seq;			/* the handshake's, then send_mutex */
	u32 recv_seq;			/* owned by the receiving thread */
	u32 epoch;			/* increases with every connection */
	u32 ups;			/* times the state said connected (from
					 * down to up), under dev->lock */
	u32 next_id;			/* for wire ids of writes */
	atomic_t peer_reqs;		/* peer writes on our disk */
	wait_queue_head_t peer_reqs_wq;
	/*
	 * Pages the peer's requests hold here from their arrival until their
	 * answer is sent (its WRITEs, RS_DATA, READ_REQ and digest requests),
	 * at most opts.max_buffers: at the bound the receiver stops reading
	 * (rx_blocked) until answers have gone (buffers_wq).
	 */
	atomic_t peer_pages;
	wait_queue_head_t buffers_wq;
	/*
	 * The peer's requests whose answer has not gone yet, from their
	 * arrival until the answer is sent or dropped; an answer without
	 * pages (an ACK, a status, digests) costs no max-buffers, so a peer
	 * that asks without reading is bounded by this count instead
	 * (RBLK_OWED_MAX, checked in dispatch()).
	 */
	atomic_t owed;
	bool rx_blocked;
	unsigned long pkt_start;	/* jiffies of this packet's first byte */
	u32 tx_una;			/* the socket's snd_una, last seen ... */
	unsigned long tx_una_at;	/* ... changing */
	unsigned long connected_at;	/* jiffies when this connection began */
	unsigned long last_rx;		/* jiffies of the last packet received */
	unsigned long ping_sent, next_check;
	u32 ping_una;			/* the socket's snd_una when it went */
	struct rblk_ctl *ping_ack;	/* queued, not sent yet (conn->lock) */
	bool ping_pending;
	/*
	 * Every PING's cookie, and the newest the peer answered (it answers
	 * the newest of those it read, after all it read before it):
	 * rblk_conn_tell().
	 */
	atomic64_t ping_seq;
	atomic64_t ping_acked;
	/* The peer failed a flush on this connection (tl.c): writes lost. */
	bool lost_writes;
	/*
	 * The peer refused a write on this connection (req.c): our disk
	 * may hold its only copy, so it does not go (kmod/ioerr.c).
	 */
	bool nacked;
	bool decided;			/* the first STATE was handled */
	u32 features;			/* enum rblk_features both HELLOs had */
	/*
	 * From our first STATE until the decision on the peer's (and for a
	 * resync until the bitmaps are exchanged, rblk_resync_exchanging()):
	 * role changes wait (handshake_wq), and requests that would go to
	 * the peer park on hs_parked (conn->lock) and are queued again at
	 * its end, so that both nodes decide on the generations, bits and
	 * role that were sent. A SyncSource waiting for the target's bitmap
	 * parks none: it marks its writes out of sync (RBLK_Q_MARKED).
	 */
	bool handshake;
	wait_queue_head_t handshake_wq;
	struct list_head hs_parked;
	u32 teardowns;			/* connections torn down (teardown_wq) */
	bool tearing_down;		/* teardown() runs (teardown_wq) */
	wait_queue_head_t teardown_wq;
	u64 sent_uuid[RBLK_UI_COUNT];	/* what our first STATE said */
	u64 sent_bits;
	u8 sent_disk;			/* enum rblk_disk_state, likewise */
	/*
	 * SIZES (RBLK_FEAT_SIZES), in sectors: what ours said with the first
	 * STATE, and the peer's (peer_sizes: it came, before its STATE).
	 */
	u64 sent_usable, sent_in_use;
	u64 peer_usable, peer_in_use;
	bool peer_sizes;
	struct rblk_tl tl;		/* Primary: acked, not yet flushed */
	struct rblk_resync rs;
	struct rblk_verify vf;
	char last_error[512];
};

int rblk_conn_start(struct rblk_device *dev, struct rblk_conn *conn);
void rblk_conn_stop(struct rblk_device *dev);
void rblk_conn_reconnect(struct rblk_conn *conn);
void rblk_conn_discard_used(struct rblk_conn *conn);
void rblk_conn_opts_changed(struct rblk_conn *conn);
void rblk_conn_error(struct rblk_conn *conn, const char *fmt, ...)
	__printf(2, 3);
void rblk_conn_fatal(struct rblk_conn *conn, const char *fmt, ...)
	__printf(2, 3);
int rblk_conn_protocol_error(struct rblk_conn *conn, enum rblk_wire_error e,
			     u16 type);
enum rblk_conn_state rblk_conn_state(struct rblk_device *dev);
void rblk_thread_wait_stop(void);
bool rblk_conn_below(struct rblk_conn *conn, const unsigned int *n,
		     unsigned int limit);
int rblk_conn_idle(struct rblk_conn *conn);
int rblk_conn_probe(struct rblk_conn *conn);
u64 rblk_conn_ping_cookie(struct rblk_conn *conn);
int rblk_conn_tell(struct rblk_conn *conn);
int rblk_conn_both_primary(struct rblk_conn *conn);
int rblk_conn_peer_state_changed(struct rblk_conn *conn);
void rblk_conn_end_handshake(struct rblk_conn *conn);
void rblk_conn_init(struct rblk_conn *conn, struct rblk_device *dev);
void rblk_conn_wait_peer_reqs(struct rblk_conn *conn);

/* send.c */
int rblk_sender(void *arg);
int rblk_send_raw(struct rblk_conn *conn, u16 type, const void *payload,
		  u32 len);
int rblk_queue_ctl(struct rblk_conn *conn, u16 type, const void *payload,
		   u32 len);
int rblk_queue_ctl_data(struct rblk_conn *conn, u16 type, const void *fixed,
			u32 fixed_len, const void *data, u32 data_len);
int rblk_queue_answer(struct rblk_conn *conn, u16 type, const void *fixed,
		      u32 fixed_len, const void *data, u32 data_len);
struct rblk_ctl *rblk_ctl_alloc(u16 type, const void *fixed, u32 fixed_len,
				u32 data_len);
void rblk_queue_ctl_item(struct rblk_conn *conn, struct rblk_ctl *c);
void rblk_ctl_free(struct rblk_conn *conn, struct rblk_ctl *c);

/* Where the data of a control packet from rblk_ctl_alloc() goes. */
static inline void *rblk_ctl_data(struct rblk_ctl *c)
{
	return c->payload + c->fixed_len;
}
int rblk_queue_state(struct rblk_conn *conn);
int rblk_queue_state_flags(struct rblk_conn *conn, u32 flags);
int rblk_send_state(struct rblk_conn *conn);
void rblk_fill_hello(struct rblk_conn *conn, struct rblk_p_hello *h, u64 nonce);
/* Where the peer's part of a request went. */
enum rblk_queued {
	RBLK_Q_NO_PEER,		/* nowhere: no connected peer takes it */
	RBLK_Q_QUEUED,		/* to the peer */
	RBLK_Q_PARKED,		/* I/O is suspended for fencing (fence.c), or
				 * the handshake is under way: queued again */
	RBLK_Q_MARKED,		/* not sent: a SyncSource waiting for the
				 * target's bitmap marked it out of sync */
};
enum rblk_queued rblk_queue_write(struct rblk_conn *conn, struct request *rq);
bool rblk_conn_source_marks(const struct rblk_conn *conn);
void rblk_send_queued(struct rblk_conn *conn, bool inline_ok);
enum rblk_queued rblk_queue_read(struct rblk_conn *conn, struct request *rq);

/* recv.c */
int rblk_recv_exact(struct rblk_conn *conn, void *buf, size_t len);
int rblk_recv_packet_hdr(struct rblk_conn *conn, u16 *type, u32 *len);
int rblk_receiver(struct rblk_conn *conn);
int rblk_recv_charge(struct rblk_conn *conn, u32 n);
void rblk_peer_uncharge(struct rblk_conn *conn, u32 n);

/*
 * At most this many requests of the peer wait here for their answer. A
 * peer of ours has far fewer out (its 128 requests in flight, 16 resync
 * blocks of up to 64 RS_DATA each, 16 digest requests, 4 verify ranges:
 * 1172); one that goes on asking while it reads no answer is dropped
 * here before its answers pile up in memory.
 */
#define RBLK_OWED_MAX	4096

/*
 * How long a peer may take nothing we send, trickle one packet, or leave
 * a ping unanswered while our requests wait for it: timeout x ko-count.
 * ko-count 0 lifts only the limit on a write's acknowledgement; a link
 * that moves nothing is still given up, after timeout x 7 (the default
 * ko-count).
 */
#define RBLK_KO_LINK	7

static inline u32 rblk_link_patience(const struct rblk_net_opts *o)
{
	return READ_ONCE(o->timeout) * (READ_ONCE(o->ko_count) ?: RBLK_KO_LINK);
}

/* How the log names that time. */
static inline const char *rblk_link_patience_name(const struct rblk_net_opts *o)
{
	return READ_ONCE(o->ko_count) ? "timeout x ko-count" :
					"timeout x 7 with ko-count 0";
}

/*
 * The receiver waited for memory since @since in the middle of a packet:
 * that time is not the peer's, the packet's deadline moves with it.
 */
static inline void rblk_recv_waited(struct rblk_conn *conn,
				    unsigned long since)
{
	if (conn->pkt_start)
		conn->pkt_start += jiffies - since;
}

/* Pages a peer's request of @bytes holds against max-buffers (at least 1). */
static inline u32 rblk_peer_pages(u32 bytes)
{
	return max_t(u32, DIV_ROUND_UP(bytes, PAGE_SIZE), 1);
}

#endif /* RBLK_CONN_H */
