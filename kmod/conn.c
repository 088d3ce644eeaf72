// SPDX-License-Identifier: GPL-2.0
/*
 * Connections: listening, connecting, the HELLO/COMMIT handshake that
 * turns two simultaneous TCP connections into one, liveness, teardown and
 * reconnect. docs/protocol.md describes the protocol; this file is the
 * state machine around the sender (send.c) and the receiver (recv.c).
 */
#include <linux/blk-mq.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "device.h"
#include "gen.h"
#include "fence.h"
#include "helper.h"
#include "ioerr.h"
#include "recv.h"
#include "req.h"
#include "state.h"

#define POLL_MS		100	/* accept polling period while Connecting */

static void conn_error(struct rblk_conn *conn, bool fatal, const char *fmt,
		       va_list ap)
{
	struct va_format vaf = { .fmt = fmt };
	va_list log;

	/*
	 * Why a connection ended for good stays in last-error; what its
	 * teardown meets (a send cut short) is only logged.
	 */
	va_copy(log, ap);
	if (fatal || !READ_ONCE(conn->fatal))
		vsnprintf(conn->last_error, sizeof(conn->last_error), fmt, ap);
	if (fatal)
		WRITE_ONCE(conn->fatal, true);
	/* A peer can provoke these at will: rate-limited, per connection. */
	vaf.va = &log;
	if (__ratelimit(&conn->err_rs))
		pr_warn("rblk%d: %s: %pV\n", conn->dev->minor, conn->dev->name,
			&vaf);
	va_end(log);
}

void rblk_conn_error(struct rblk_conn *conn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_error(conn, false, fmt, ap);
	va_end(ap);
}

/*
 * The connection ends for good, for this reason (kmod/ioerr.c): the
 * caller makes it end (rblk_conn_reconnect()); it ends StandAlone, and
 * no new one is tried until 'rblkadm connect'.
 */
void rblk_conn_fatal(struct rblk_conn *conn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conn_error(conn, true, fmt, ap);
	va_end(ap);
}

/* The peer broke the protocol: say what and in which packet; -EPROTO. */
int rblk_conn_protocol_error(struct rblk_conn *conn, enum rblk_wire_error e,
			     u16 type)
{
	rblk_conn_error(conn, "protocol error from peer %s: %s (packet type %u)",
			conn->peer_node, rblk_wire_strerror(e), type);
	return -EPROTO;
}

/* Is the counter @n (under conn->lock, e.g. blocks in flight) below @limit? */
bool rblk_conn_below(struct rblk_conn *conn, const unsigned int *n,
		     unsigned int limit)
{
	unsigned long flags;
	bool below;

	spin_lock_irqsave(&conn->lock, flags);
	below = *n < limit;
	spin_unlock_irqrestore(&conn->lock, flags);
	return below;
}

/*
 * A connection thread whose work is done stays until kthread_stop(): its
 * owner stops it exactly once, whether it ended by itself or not.
 */
void rblk_thread_wait_stop(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
}

enum rblk_conn_state rblk_conn_state(struct rblk_device *dev)
{
	return READ_ONCE(dev->state.conn);
}

/*
 * The connection is gone: Connecting again, or StandAlone once told to
 * stop (rblk_conn_stop sets ->stopping before it shuts the socket down),
 * so that a disconnect is one change, not two.
 */
/* The connection is down; @os: the state it was in. */
static void conn_down(struct rblk_conn *conn, struct rblk_state *os)
{
	bool stop = READ_ONCE(conn->stopping);

	/* Refused for good: StandAlone at once, one change not two. */
	if (!stop && conn->fatal)
		rblk_state_set_conn_old(conn->dev, RBLK_CONN_ANY,
					RBLK_CONN_STANDALONE, "refused", os);
	else
		rblk_state_set_conn_old(conn->dev, RBLK_CONN_ANY,
					stop ? RBLK_CONN_STANDALONE : RBLK_CONN_CONNECTING,
					stop ? "disconnect" : "connection lost", os);
}

/*
 * conn->sock is swapped under sock_mutex so that stop can shut it down; a
 * socket set after stop did is shut down at once.
 */
static void set_sock(struct rblk_conn *conn, struct socket *sock)
{
	struct socket *old;

	mutex_lock(&conn->sock_mutex);
	old = conn->sock;
	conn->sock = sock;
	if (sock && conn->stopping)
		kernel_sock_shutdown(sock, SHUT_RDWR);
	mutex_unlock(&conn->sock_mutex);
	if (old)
		sock_release(old);
}

/*
 * How long the receiver sleeps in an idle socket: within each liveness
 * limit, and at most 500 ms, so that what it does between packets (a
 * SyncTarget's "my handler runs" every second) keeps its pace.
 */
static u32 rx_poll_ms(const struct rblk_net_opts *o)
{
	return min_t(u32, min3(o->ping_int, o->ping_timeout, o->timeout), 500);
}

static void set_timeouts(struct socket *sock, u32 ms)
{
	long t = msecs_to_jiffies(ms);

	sock->sk->sk_rcvtimeo = t;
	sock->sk->sk_sndtimeo = t;
}

static int new_socket(struct rblk_conn *conn, struct socket **res)
{
	struct socket *sock;
	int ret;

	ret = sock_create_kern(conn->net, conn->local.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sock->sk->sk_allocation = GFP_NOIO;
	sock_set_reuseaddr(sock->sk);
	if (conn->opts.sndbuf) {
		sock->sk->sk_sndbuf = conn->opts.sndbuf;
		sock->sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	}
	if (conn->opts.rcvbuf) {
		sock->sk->sk_rcvbuf = conn->opts.rcvbuf;
		sock->sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
	}
	*res = sock;
	return 0;
}

static int start_listening(struct rblk_conn *conn)
{
	struct socket *sock;
	int ret;

	ret = new_socket(conn, &sock);
	if (ret)
		return ret;
	ret = kernel_bind(sock, RBLK_SOCKADDR(&conn->local), conn->addrlen);
	if (!ret)
		ret = kernel_listen(sock, 4);
	if (ret) {
		sock_release(sock);
		return ret;
	}
	conn->listen_sock = sock;
	return 0;
}

#define REFUSE_MAX	16	/* strangers closed per look at the backlog */

/*
 * Is @sock's remote end the configured peer's address (any port)? 0 yes,
 * 1 no (@from says who), -1 the connection is already gone.
 */
static int from_peer(struct rblk_conn *conn, struct socket *sock,
		     struct sockaddr_storage *from)
{
	const struct sockaddr_in *a4 = (struct sockaddr_in *)from;
	const struct sockaddr_in *p4 = (struct sockaddr_in *)&conn->peer;
	const struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)from;
	const struct sockaddr_in6 *p6 = (struct sockaddr_in6 *)&conn->peer;

	memset(from, 0, sizeof(*from));
	if (kernel_getpeername(sock, (struct sockaddr *)from) < 0)
		return -1;
	if (from->ss_family != conn->peer.ss_family)
		return 1;
	if (from->ss_family == AF_INET)
		return a4->sin_addr.s_addr != p4->sin_addr.s_addr;
	return !ipv6_addr_equal(&a6->sin6_addr, &p6->sin6_addr);
}

static struct socket *accept_pending(struct rblk_conn *conn)
{
	struct sockaddr_storage from;
	struct socket *sock;
	int refused = 0, who;

	/*
	 * A peer whose handshake on a connection timed out closed it, but
	 * left it in our backlog with its HELLO readable: answering that
	 * HELLO would "connect" to a closed socket. Skip such connections.
	 * A connection from anywhere but the configured peer's address is
	 * reset before a byte of it is read; a flood of them does not keep
	 * this thread from connecting out.
	 */
	while (refused < REFUSE_MAX &&
	       !kernel_accept(conn->listen_sock, &sock, O_NONBLOCK)) {
		who = from_peer(conn, sock, &from);
		if (who > 0) {
			refused++;
			atomic64_inc(&conn->dev->stats.refused_addr);
			if (__ratelimit(&conn->err_rs))
				pr_warn("rblk%d: %s: refused a connection from %pISc: not the configured peer %pISc\n",
					conn->dev->minor, conn->dev->name,
					&from, &conn->peer);
			sock_no_linger(sock->sk);	/* RST, not FIN */
		}
		if (!who && READ_ONCE(sock->sk->sk_state) == TCP_ESTABLISHED)
			return sock;
		sock_release(sock);
	}
	return NULL;
}

/* One outgoing attempt, from our own address to the peer's. */
static struct socket *connect_peer(struct rblk_conn *conn, u32 timeout_ms)
{
	struct sockaddr_storage src = conn->local;
	struct socket *sock;

	if (new_socket(conn, &sock))
		return NULL;
	/* Our address, any port: the peer sees where we come from. */
	if (src.ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&src)->sin6_port = 0;
	set_timeouts(sock, timeout_ms);
	if (kernel_bind(sock, RBLK_SOCKADDR(&src), conn->addrlen) ||
	    kernel_connect(sock, RBLK_SOCKADDR(&conn->peer), conn->addrlen, 0)) {
		sock_release(sock);
		return NULL;
	}
	return sock;
}

/* Wait up to @ms for an incoming connection. */
static struct socket *wait_incoming(struct rblk_conn *conn, u32 ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct socket *sock;

	do {
		sock = accept_pending(conn);
		if (sock || kthread_should_stop())
			return sock;
		msleep_interruptible(POLL_MS);
	} while (time_before(jiffies, end));
	return NULL;
}

static u32 handshake_ms(struct rblk_conn *conn)
{
	return clamp_t(u32, conn->opts.connect_int, 1000, 5000);
}

static int check_hello(struct rblk_conn *conn, const struct rblk_p_hello *h)
{
	char res[RBLK_WIRE_NAME_LEN + 1], node[RBLK_WIRE_NAME_LEN + 1];

	strscpy(res, h->resource, sizeof(res));
	strscpy(node, h->node, sizeof(node));
	if (rblk_be16(h->proto_min) > RBLK_PROTO_MAX ||
	    rblk_be16(h->proto_max) < RBLK_PROTO_MIN) {
		rblk_conn_error(conn, "peer speaks protocol %u-%u, we speak %u-%u",
				rblk_be16(h->proto_min), rblk_be16(h->proto_max),
				RBLK_PROTO_MIN, RBLK_PROTO_MAX);
		return -EPROTO;
	}
	conn->features = rblk_be32(h->features) & __RBLK_FEAT_ALL;
	/* The peer chose these names: printed escaped. */
	if (strcmp(res, conn->dev->name)) {
		rblk_conn_error(conn, "peer is resource '%*pE', expected '%s'",
				(int)strlen(res), res, conn->dev->name);
		return -EPROTO;
	}
	if (strcmp(node, conn->peer_node)) {
		rblk_conn_error(conn, "peer calls itself '%*pE', the configured peer is '%s'",
				(int)strlen(node), node, conn->peer_node);
		return -EPROTO;
	}
	return 0;
}

static int recv_hello(struct rblk_conn *conn, struct rblk_p_hello *h)
{
	u16 type;
	u32 len;
	int ret;

	ret = rblk_recv_packet_hdr(conn, &type, &len);
	if (ret)
		return ret;
	if (type != RBLK_P_HELLO || len != sizeof(*h)) {
		rblk_conn_error(conn, "protocol error: expected HELLO, got packet type %u",
				type);
		return -EPROTO;
	}
	ret = rblk_recv_exact(conn, h, sizeof(*h));
	if (ret)
		return ret;
	/* Its fields (include/rblk/wire.h); then whether it is our peer. */
	if (rblk_wire_check(RBLK_P_HELLO, h, 0, &(struct rblk_wire_dev){}))
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_PAYLOAD,
						RBLK_P_HELLO);
	return check_hello(conn, h);
}

/*
 * HELLO both ways, the answers to each other's challenge if a secret is
 * configured (auth.c), then the node with the larger nonce commits this
 * connection and the other waits for that COMMIT (docs/protocol.md).
 * Nothing of the device goes out before the peer has authenticated.
 */
static int handshake(struct rblk_conn *conn, u64 nonce)
{
	struct rblk_p_hello ours, theirs;
	struct rblk_auth_secret *auth;
	unsigned long flags;
	u64 peer_nonce;
	u16 type;
	u32 len;
	int ret;

	/* One snapshot of the secret for the HELLO and the answers. */
	auth = kmalloc(sizeof(*auth), GFP_NOIO);
	if (!auth)
		return -ENOMEM;
	spin_lock_irqsave(&conn->lock, flags);
	*auth = conn->opts.auth;
	spin_unlock_irqrestore(&conn->lock, flags);

	conn->send_seq = 0;
	conn->recv_seq = 0;
	tcp_sock_set_nodelay(conn->sock->sk);
	set_timeouts(conn->sock, handshake_ms(conn));
	/* The whole handshake, not each read: a trickle does not hold us. */
	conn->hs_deadline = jiffies + 2 * msecs_to_jiffies(handshake_ms(conn));
	rblk_fill_hello(conn, &ours, nonce);
	rblk_auth_fill_hello(auth, &ours);
	ret = rblk_send_raw(conn, RBLK_P_HELLO, &ours, sizeof(ours));
	if (!ret)
		ret = recv_hello(conn, &theirs);
	if (!ret)
		ret = rblk_auth_exchange(conn, auth, &ours, &theirs,
					 conn->accepted);
	kfree_sensitive(auth);
	if (ret)
		goto out;
	peer_nonce = rblk_be64(theirs.nonce);
	conn->won_nonce = nonce > peer_nonce;
	if (nonce == peer_nonce)
		ret = -EAGAIN;
	else if (nonce > peer_nonce)
		ret = rblk_send_raw(conn, RBLK_P_COMMIT, NULL, 0);
	else
		ret = rblk_recv_packet_hdr(conn, &type, &len) ?:
		      (type == RBLK_P_COMMIT ? 0 : -EPROTO);
out:
	conn->hs_deadline = 0;
	return ret;
}

/* Returns 0 with conn->sock committed, or -EINTR when told to stop. */
static int establish(struct rblk_conn *conn)
{
	u64 nonce = get_random_u64();
	struct socket *sock;
	bool accepted;
	u32 jitter;

	/* Refused for good meanwhile (kmod/ioerr.c, pass_on): no new try. */
	while (!kthread_should_stop() && !READ_ONCE(conn->stopping) &&
	       !READ_ONCE(conn->fatal)) {
		sock = accept_pending(conn);
		accepted = sock;
		if (!sock)
			sock = connect_peer(conn, handshake_ms(conn));
		if (!sock) {
			/* Jitter breaks the symmetry of two nodes in lockstep. */
			jitter = get_random_u32_below(conn->opts.connect_int / 2 + 1);
			sock = wait_incoming(conn, conn->opts.connect_int / 2 + jitter);
			accepted = sock;
		}
		if (!sock)
			continue;
		conn->accepted = accepted;
		set_sock(conn, sock);
		/* Refused for good while it was being made: not used. */
		if (!handshake(conn, nonce) && !READ_ONCE(conn->fatal))
			return 0;
		set_sock(conn, NULL);
		nonce = get_random_u64();
		msleep_interruptible(get_random_u32_below(POLL_MS * 5));
	}
	return -EINTR;
}

struct oldest_ctx {
	struct rblk_conn *conn;
	unsigned long oldest;
	bool found;
};

static bool find_oldest(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct oldest_ctx *o = arg;

	if (atomic_read(&req->remote) == RBLK_REMOTE_PENDING &&
	    READ_ONCE(req->epoch) == o->conn->epoch &&
	    (!o->found || time_before(req->start, o->oldest))) {
		o->oldest = req->start;
		o->found = true;
	}
	return true;
}

/*
 * Does the peer take nothing of what we send? Its TCP acknowledges no
 * byte for @ms while some wait: it does not read (its window is shut) or
 * the link is gone. Checked apart from pings, whose answer a receiver
 * stopped at max-buffers cannot read.
 */
static bool peer_not_reading(struct rblk_conn *conn, unsigned long now, u32 ms)
{
	const struct tcp_sock *tp = tcp_sk(conn->sock->sk);
	u32 una = READ_ONCE(tp->snd_una);

	if (una != conn->tx_una || una == READ_ONCE(tp->write_seq)) {
		conn->tx_una = una;
		conn->tx_una_at = now;
		return false;
	}
	if (time_before(now, conn->tx_una_at + msecs_to_jiffies(ms)))
		return false;
	rblk_conn_error(conn, "peer %s has taken nothing we sent for %u ms (%s): it does not read",
			conn->peer_node, ms, rblk_link_patience_name(&conn->opts));
	return true;
}

/*
 * Liveness, checked when the socket has been quiet for a while and at
 * least every 100 ms while busy: a PING after ping-int of silence, dead
 * when it goes unanswered (below), when the peer takes none of our bytes
 * for timeout x ko-count, or when a write waits for its ACK longer than
 * that (not with ko-count 0).
 */
int rblk_conn_idle(struct rblk_conn *conn)
{
	struct rblk_net_opts *o = &conn->opts;
	struct oldest_ctx old = { .conn = conn };
	u32 patience = rblk_link_patience(o);
	struct rblk_p_ping ping = {};
	unsigned long now = jiffies, sent;

	conn->next_check = now + msecs_to_jiffies(100);
	/* A SyncTarget's progress reaches its disk now and then. */
	if (conn->rs.phase == RBLK_RS_RUNNING && !conn->rs.source &&
	    rblk_bm_flush_lazy(&conn->dev->meta, 1000))
		return -EIO;
	/* Writes park for the handshake: it must not last (a peer that pings). */
	if (!conn->decided &&
	    time_after(now, conn->connected_at + msecs_to_jiffies(o->timeout))) {
		rblk_conn_error(conn, "peer %s did not send its state within %u ms of connecting",
				conn->peer_node, o->timeout);
		return -ETIMEDOUT;
	}
	/*
	 * A SyncSource waits for the target's bitmap (its writes meanwhile
	 * are marked for the resync, invalidate and new-current-uuid wait)
	 * our patience from the decision, the last full slice, or the last
	 * STATE in which the target says its before-resync-target handler
	 * still runs: it repeats that every second, so at least
	 * RBLK_RESYNC_WAITS_MS from that, whatever our patience. Until its
	 * first slice, a target that said so is waited for no longer than
	 * 2 x (our own handler-timeout + rblkadm's grace) + twice that wait,
	 * from the decision: its handler has the same limit, and may first
	 * wait for one of an earlier connection (which began before this
	 * decision) to end; then it waits for our UpToDate STATE and writes
	 * its metadata.
	 */
	if (READ_ONCE(conn->handshake) && conn->decided && conn->rs.source &&
	    conn->rs.phase == RBLK_RS_WAIT_BITMAP) {
		struct rblk_resync *rs = &conn->rs;
		u32 ht = READ_ONCE(o->handler_timeout);
		u32 wait = rs->target_waits ? max_t(u32, patience, RBLK_RESYNC_WAITS_MS) :
					      patience;

		if (time_after(now, READ_ONCE(rs->bitmap_wait_since) +
				    msecs_to_jiffies(wait))) {
			rblk_conn_error(conn, "peer %s did not send its bitmap, nor say that its before-resync-target handler runs, within %u ms (%s): no resync",
					conn->peer_node, wait,
					wait == patience ? rblk_link_patience_name(o) :
							   "it says so every second");
			return -ETIMEDOUT;
		}
		if (ht && rs->target_waits && !rs->bitmap_next &&
		    time_after(now, rs->exchange_began +
				    msecs_to_jiffies(2 * (ht + RBLK_HELPER_GRACE_MS) + 2 * wait))) {
			rblk_conn_error(conn, "peer %s kept its before-resync-target handler running longer than 2 x (handler-timeout (%u ms) + %u s) + %u ms: no resync",
					conn->peer_node, ht,
					RBLK_HELPER_GRACE_MS / 1000, 2 * wait);
			return -ETIMEDOUT;
		}
	}
	blk_mq_tagset_busy_iter(&conn->dev->tag_set, find_oldest, &old);
	/* Our barriers wait for their ACK like writes (tl.c). */
	if (rblk_tl_oldest_barrier(conn, &sent) &&
	    (!old.found || time_before(sent, old.oldest))) {
		old.oldest = sent;
		old.found = true;
	}
	rblk_tl_tick(conn, false);
	/*
	 * Only a PING_ACK answers a PING: within ping-timeout on a quiet
	 * link. While other packets keep arriving its answer may queue
	 * behind data (a slow link with deep socket buffers); while our
	 * requests wait for the peer, its receiver may be stopped at its
	 * max-buffers behind a slow disk, with our PING unread, though its
	 * TCP takes our bytes (or shuts its window: all we sent is
	 * acknowledged). Neither is a dead peer, and the answer has timeout
	 * x ko-count, as long as a write has for its ACK. A host that is
	 * gone acknowledges nothing: ping-timeout.
	 */
	if (conn->ping_pending && !READ_ONCE(conn->rx_blocked)) {
		const struct tcp_sock *tp = tcp_sk(conn->sock->sk);
		u32 una = READ_ONCE(tp->snd_una);
		/* Unread bytes (we were busy) may hold the answer: not quiet. */
		bool quiet = time_after_eq(now, conn->last_rx +
					   msecs_to_jiffies(o->ping_timeout)) &&
			skb_queue_empty_lockless(&conn->sock->sk->sk_receive_queue);
		bool waiting = old.found || READ_ONCE(conn->rs.in_flight) ||
			       READ_ONCE(conn->vf.in_flight);
		bool tcp_alive = una != conn->ping_una ||
				 una == READ_ONCE(tp->snd_nxt);
		u32 limit = quiet && !(waiting && tcp_alive) ? o->ping_timeout :
			    max(patience, o->ping_timeout);

		if (time_after(now, conn->ping_sent + msecs_to_jiffies(limit))) {
			rblk_conn_error(conn, "peer %s did not answer a ping within %u ms",
					conn->peer_node, limit);
			return -ETIMEDOUT;
		}
	}
	/* A PING after ping-int of silence (not ours: the receiver's). */
	if (!conn->ping_pending && !READ_ONCE(conn->rx_blocked) &&
	    time_after_eq(now, conn->last_rx + msecs_to_jiffies(o->ping_int))) {
		conn->ping_pending = true;
		conn->ping_sent = now;
		conn->ping_una = READ_ONCE(tcp_sk(conn->sock->sk)->snd_una);
		rblk_put_be64(ping.cookie, rblk_conn_ping_cookie(conn));
		if (rblk_queue_ctl(conn, RBLK_P_PING, &ping, sizeof(ping)))
			return -ENOMEM;
	}
	if (peer_not_reading(conn, now, patience))
		return -ETIMEDOUT;
	if (o->ko_count && old.found && time_after(now, old.oldest +
			msecs_to_jiffies(patience))) {
		rblk_conn_error(conn, "peer %s did not acknowledge a write within %u ms (timeout x ko-count)",
				conn->peer_node, patience);
		return -ETIMEDOUT;
	}
	return 0;
}

/* What a promotion's probe watches of the socket: any change is a live peer. */
struct probe_sample {
	struct socket *sock;
	u32 snd_una, snd_nxt, rcv_nxt;
};

/* Under sock_mutex; false without a connection that is up. */
static bool probe_sample(struct rblk_conn *conn, struct probe_sample *p)
{
	const struct tcp_sock *tp;

	lockdep_assert_held(&conn->sock_mutex);
	if (!conn->sock || !READ_ONCE(conn->sending))
		return false;
	tp = tcp_sk(conn->sock->sk);
	p->sock = conn->sock;
	p->snd_una = READ_ONCE(tp->snd_una);
	p->snd_nxt = READ_ONCE(tp->snd_nxt);
	p->rcv_nxt = READ_ONCE(tp->rcv_nxt);
	return true;
}

/*
 * Is the peer still there? Asked by a promotion that only a connected
 * Primary peer stands in the way of: that peer may have lost its power a
 * moment ago, and the liveness checks above would find out only after
 * ping-int of silence. A PING now, and the rule of an unanswered ping:
 * the peer is alive if within ping-timeout TCP receives any byte from
 * it (rcv_nxt moves; bytes that came before the PING prove nothing) or
 * acknowledges any of our bytes; also when we cannot tell (our receiver
 * stopped at max-buffers, or all we sent is acknowledged: a shut window,
 * the PING could not leave). Otherwise it is dropped at once, as an
 * unanswered ping drops it: a peer frozen for longer than ping-timeout
 * is taken for dead here as there (fencing is what makes a promotion
 * safe against that). 0: alive; -ENOTCONN: the connection was already
 * ending, ended meanwhile or was dropped (the caller waits for its
 * teardown); -EINTR.
 */
int rblk_conn_probe(struct rblk_conn *conn)
{
	u32 ms = READ_ONCE(conn->opts.ping_timeout);
	struct rblk_p_ping ping = {};
	struct probe_sample a, b;
	unsigned long end;
	bool ok, alive;

	mutex_lock(&conn->sock_mutex);
	ok = probe_sample(conn, &a);
	mutex_unlock(&conn->sock_mutex);
	if (!ok)
		return -ENOTCONN;	/* up in the state, ending here */
	rblk_put_be64(ping.cookie, rblk_conn_ping_cookie(conn));
	if (rblk_queue_ctl(conn, RBLK_P_PING, &ping, sizeof(ping)))
		return 0;	/* no memory to ask: the rules decide as before */
	end = jiffies + msecs_to_jiffies(ms);
	for (;;) {
		if (msleep_interruptible(10))
			return -EINTR;
		mutex_lock(&conn->sock_mutex);
		if (!probe_sample(conn, &b) || b.sock != a.sock) {
			mutex_unlock(&conn->sock_mutex);
			return -ENOTCONN;	/* it ended meanwhile */
		}
		alive = READ_ONCE(conn->rx_blocked) ||
			b.rcv_nxt != a.rcv_nxt || b.snd_una != a.snd_una;
		if (!alive && time_after(jiffies, end)) {
			alive = b.snd_una == b.snd_nxt;
			if (!alive) {
				rblk_conn_error(conn, "peer %s did not answer a ping within %u ms (asked before a promotion): connection dropped",
						conn->peer_node, ms);
				if (!conn->stopping)
					kernel_sock_shutdown(conn->sock, SHUT_RDWR);
			}
			mutex_unlock(&conn->sock_mutex);
			return alive ? 0 : -ENOTCONN;
		}
		mutex_unlock(&conn->sock_mutex);
		if (alive)
			return 0;
	}
}

/* A new PING's cookie: increasing, whatever the connection. */
u64 rblk_conn_ping_cookie(struct rblk_conn *conn)
{
	return atomic64_inc_return(&conn->ping_seq);
}

static bool tell_gone(struct rblk_conn *conn, u32 epoch)
{
	return READ_ONCE(conn->epoch) != epoch ||
	       !rblk_conn_is_up(READ_ONCE(conn->dev->state.conn));
}

/* A PING, and its PING_ACK (or a later one's). */
static int ping_wait(struct rblk_conn *conn, u32 epoch)
{
	struct rblk_p_ping ping = {};
	u64 cookie = rblk_conn_ping_cookie(conn);

	rblk_put_be64(ping.cookie, cookie);
	while (rblk_queue_ctl(conn, RBLK_P_PING, &ping, sizeof(ping))) {
		if (tell_gone(conn, epoch))
			return -ENOTCONN;
		msleep(100);	/* no memory: ask again */
	}
	while ((u64)atomic64_read_acquire(&conn->ping_acked) < cookie) {
		if (tell_gone(conn, epoch))
			return -ENOTCONN;
		msleep(10);
	}
	return 0;
}

/*
 * Until the peer has read all we queued before this call (our STATE,
 * say) and we have read what it queued in answer (its STATE): our
 * control queue goes in order, and the peer handles one packet at a
 * time, so the PING_ACK of a first PING after it says the peer has read
 * it. That answer may have been one the peer had queued before (a newer
 * PING rewrites the cookie of one not sent yet), ahead of the peer's own
 * STATE: the PING_ACK of a second PING, sent once the first answer came,
 * is queued after it, and our receiver reads them in order. 0: both
 * came; -ENOTCONN: the connection was not up or ended first (its
 * liveness checks end it if the peer goes quiet).
 */
int rblk_conn_tell(struct rblk_conn *conn)
{
	u32 epoch = READ_ONCE(conn->epoch);
	int ret;

	if (READ_ONCE(conn->handshake) || tell_gone(conn, epoch))
		return -ENOTCONN;
	ret = ping_wait(conn, epoch);
	return ret ?: ping_wait(conn, epoch);
}

static bool mark_remote(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct rblk_conn *conn = arg;

	if (READ_ONCE(req->epoch) == conn->epoch && req_op(rq) != REQ_OP_READ &&
	    atomic_read(&req->remote) == RBLK_REMOTE_PENDING)
		rblk_bm_set(&conn->dev->meta.bm, req->range.sector,
			    req->range.bytes);
	return true;
}

struct fail_ctx {
	struct rblk_conn *conn;
	bool hold;		/* the teardown suspended I/O for fencing */
};

static bool fail_remote(struct request *rq, void *arg)
{
	struct rblk_req *req = blk_mq_rq_to_pdu(rq);
	struct fail_ctx *c = arg;

	if (READ_ONCE(req->epoch) != c->conn->epoch)
		return true;
	/*
	 * Held as the teardown decided, even if I/O resumed since: then
	 * the release work completes them, after the new generation the
	 * teardown did not write.
	 */
	if (c->hold && rblk_req_remote_hold_begin(rq))
		rblk_req_remote_hold_end(rq);
	else
		rblk_req_remote_done(rq, false);
	return true;
}

/* Drop everything a dead connection owned; I/O continues locally. */
static void teardown(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_peer_req *p, *tp;
	struct rblk_ctl *c, *tc;
	struct rblk_req *req, *tr;
	struct rblk_state os;
	struct fail_ctx fail = { .conn = conn };
	unsigned long flags;
	LIST_HEAD(data);
	LIST_HEAD(acks);
	LIST_HEAD(ctls);

	/* Role changes wait for the end (set before the state says it). */
	WRITE_ONCE(conn->tearing_down, true);
	conn_down(conn, &os);			/* no new writes queue up */
	rblk_conn_end_handshake(conn);		/* and none waits for it */
	mutex_lock(&conn->sock_mutex);
	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	mutex_unlock(&conn->sock_mutex);
	if (conn->sender) {
		kthread_stop(conn->sender);
		put_task_struct(conn->sender);
		conn->sender = NULL;
	}
	mutex_lock(&conn->send_mutex);		/* no inline send from here on */
	WRITE_ONCE(conn->sending, false);
	mutex_unlock(&conn->send_mutex);
	/* Peer writes still on our disk finish before their acks go. */
	wait_event(conn->peer_reqs_wq, !atomic_read(&conn->peer_reqs));
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_init(&conn->data_queue, &data);
	list_splice_init(&conn->ack_queue, &acks);
	list_splice_init(&conn->ctl_queue, &ctls);
	conn->ping_ack = NULL;
	memset(&conn->peer_state, 0, sizeof(conn->peer_state));
	spin_unlock_irqrestore(&conn->lock, flags);
	/*
	 * Before any write completes without the peer: a new generation,
	 * or, with I/O suspended for fencing, the writes held until it
	 * resumes (one snapshot decides both).
	 */
	fail.hold = READ_ONCE(dev->state.susp) & RBLK_SUSP_IO_FENCING;
	if (READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY)
		rblk_gen_lost_peer_as_primary(dev, fail.hold);
	list_for_each_entry_safe(req, tr, &data, send_list) {
		list_del_init(&req->send_list);
		rblk_req_put(blk_mq_rq_from_pdu(req));
	}
	/* What the peer may lack is marked on disk before anyone is told. */
	rblk_tl_lost(conn);
	blk_mq_tagset_busy_iter(&dev->tag_set, mark_remote, conn);
	/* dev->lock: a failed disk's metadata may be let go (ioerr.c). */
	mutex_lock(&dev->lock);
	rblk_bm_flush(&dev->meta);
	mutex_unlock(&dev->lock);
	blk_mq_tagset_busy_iter(&dev->tag_set, fail_remote, &fail);
	/* A verify's repair starts a resync: the verify stops first. */
	rblk_verify_stop(dev);
	rblk_resync_stop(dev);
	/* Answers held for its blocks, released or not (recv.c). */
	rblk_recv_drop_held(conn, &acks);
	/* What their threads queued meanwhile was for this connection. */
	spin_lock_irqsave(&conn->lock, flags);
	list_splice_init(&conn->ctl_queue, &ctls);
	conn->ping_ack = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	list_for_each_entry_safe(p, tp, &acks, list)
		rblk_peer_req_free(p);
	list_for_each_entry_safe(c, tc, &ctls, list)
		rblk_ctl_free(conn, c);
	set_sock(conn, NULL);
	/* Under dev->lock: who holds it and sees no teardown sees it all. */
	mutex_lock(&dev->lock);
	WRITE_ONCE(conn->tearing_down, false);
	WRITE_ONCE(conn->teardowns, conn->teardowns + 1);
	mutex_unlock(&dev->lock);
	wake_up_all(&conn->teardown_wq);
	/* A Primary's new disk is resynced only on this connection. */
	rblk_disk_drop_new(dev, "the connection ended before this Primary's new disk was resynced");
	/*
	 * A Primary that was connected to a peer with good data: the peer
	 * may be promoted by someone else now; disk { fencing } outdates it.
	 */
	if (os.role == RBLK_ROLE_PRIMARY && rblk_conn_is_up(os.conn) &&
	    os.peer_disk > RBLK_DISK_OUTDATED &&
	    os.disk == RBLK_DISK_UPTODATE)
		rblk_fence_start(dev);
}

/*
 * What was queued for the last connection after its teardown (a state
 * change or a promotion's PING that saw it up a moment before) is not for
 * the next one, and is freed when the connection is stopped.
 */
static void drop_stale_ctls(struct rblk_conn *conn)
{
	struct rblk_ctl *c, *tc;
	unsigned long flags;
	LIST_HEAD(stale);

	spin_lock_irqsave(&conn->lock, flags);
	list_splice_init(&conn->ctl_queue, &stale);
	conn->ping_ack = NULL;
	spin_unlock_irqrestore(&conn->lock, flags);
	list_for_each_entry_safe(c, tc, &stale, list)
		rblk_ctl_free(conn, c);
}

static int run_connected(struct rblk_conn *conn)
{
	struct task_struct *t;
	int ret;

	drop_stale_ctls(conn);

	conn->epoch++;
	WRITE_ONCE(conn->lost_writes, false);
	WRITE_ONCE(conn->nacked, false);
	conn->connected_at = jiffies;
	conn->last_rx = jiffies;
	conn->ping_pending = false;
	conn->rx_blocked = false;
	conn->pkt_start = 0;
	conn->tx_una = 0;
	conn->tx_una_at = jiffies;
	atomic_set(&conn->peer_pages, 0);
	/* The last connection's answers were all sent or dropped. */
	WARN_ON_ONCE(atomic_read(&conn->owed));
	atomic_set(&conn->owed, 0);
	if (!READ_ONCE(conn->fatal))
		conn->last_error[0] = 0;
	conn->next_check = jiffies;
	WRITE_ONCE(conn->decided, false);
	WRITE_ONCE(conn->peer_sizes, false);
	set_timeouts(conn->sock, rx_poll_ms(&conn->opts));
	/* Sends block until they fit; the liveness checks end a stuck peer. */
	conn->sock->sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	ret = rblk_send_state(conn);
	if (ret)
		return ret;
	t = kthread_create(rblk_sender, conn, "rblk%d_send", conn->dev->minor);
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	conn->sender = t;
	mutex_lock(&conn->send_mutex);
	WRITE_ONCE(conn->sending, true);
	mutex_unlock(&conn->send_mutex);
	wake_up_process(t);
	return rblk_receiver(conn);
}

static int worker(void *arg)
{
	struct rblk_conn *conn = arg;
	int ret;

	while (!kthread_should_stop()) {
		if (establish(conn)) {
			if (READ_ONCE(conn->fatal) && !READ_ONCE(conn->stopping))
				rblk_state_set_conn(conn->dev, RBLK_CONN_ANY,
						    RBLK_CONN_STANDALONE, "refused");
			break;
		}
		ret = run_connected(conn);
		teardown(conn);
		/* Why it ended, unless we were told to end it. */
		if (!READ_ONCE(conn->stopping) && conn->decided)
			pr_info("rblk%d: %s: connection to %s ended (%pe)%s\n",
				conn->dev->minor, conn->dev->name, conn->peer_node,
				ERR_PTR(ret ?: -ECONNRESET),
				conn->fatal ? "" : "; connecting again");
		if (conn->fatal) {
			/* Reconnecting would only repeat it: wait for the admin. */
			rblk_state_set_conn(conn->dev, RBLK_CONN_ANY,
					    RBLK_CONN_STANDALONE, "refused");
			break;
		}
		if (!kthread_should_stop())
			msleep_interruptible(POLL_MS + get_random_u32_below(POLL_MS * 4));
	}
	rblk_thread_wait_stop();
	return 0;
}

/*
 * Until no peer request (a write on our disk, a read or digest for the
 * peer) is in flight: before a transform such work holds is freed.
 */
void rblk_conn_wait_peer_reqs(struct rblk_conn *conn)
{
	wait_event(conn->peer_reqs_wq, !atomic_read(&conn->peer_reqs));
}

void rblk_conn_init(struct rblk_conn *conn, struct rblk_device *dev)
{
	ratelimit_state_init(&conn->err_rs, DEFAULT_RATELIMIT_INTERVAL,
			     DEFAULT_RATELIMIT_BURST);
	ratelimit_state_init(&conn->state_rs, DEFAULT_RATELIMIT_INTERVAL, 30);
	conn->dev = dev;
	spin_lock_init(&conn->lock);
	mutex_init(&conn->sock_mutex);
	mutex_init(&conn->send_mutex);
	INIT_LIST_HEAD(&conn->ack_queue);
	INIT_LIST_HEAD(&conn->held_acks);
	INIT_LIST_HEAD(&conn->ctl_queue);
	INIT_LIST_HEAD(&conn->data_queue);
	init_waitqueue_head(&conn->send_wq);
	init_waitqueue_head(&conn->peer_reqs_wq);
	init_waitqueue_head(&conn->buffers_wq);
	init_waitqueue_head(&conn->handshake_wq);
	INIT_LIST_HEAD(&conn->hs_parked);
	init_waitqueue_head(&conn->teardown_wq);
	atomic_set(&conn->peer_reqs, 0);
	rblk_tl_init(&conn->tl);
	rblk_resync_init(&conn->rs);
	rblk_verify_init(&conn->vf);
}

int rblk_conn_both_primary(struct rblk_conn *conn)
{
	rblk_conn_error(conn, "both nodes are Primary; refusing to connect to %s: make one of them Secondary, then 'rblkadm connect %s'",
			conn->peer_node, conn->dev->name);
	return -EPROTO;
}

/*
 * End the handshake (@end), or only let the requests parked for it decide
 * again (a SyncSource's target said it is behind: they are marked now, or
 * park again): to the peer, or without it (teardown).
 */
static void unpark(struct rblk_conn *conn, bool end)
{
	struct rblk_req *req, *tmp;
	unsigned long flags;
	LIST_HEAD(parked);

	spin_lock_irqsave(&conn->lock, flags);
	if (end)
		WRITE_ONCE(conn->handshake, false);
	list_splice_init(&conn->hs_parked, &parked);
	spin_unlock_irqrestore(&conn->lock, flags);
	wake_up_all(&conn->handshake_wq);
	list_for_each_entry_safe(req, tmp, &parked, park_list) {
		list_del_init(&req->park_list);
		rblk_req_requeue(blk_mq_rq_from_pdu(req));
	}
	/* Writes held for fencing wait for the same (fence.c release_work). */
	rblk_fence_release_held(conn->dev);
}

void rblk_conn_end_handshake(struct rblk_conn *conn)
{
	unpark(conn, true);
}

/*
 * The peer's first STATE: can we use its disk with ours, and how? 0 also
 * when a resync to us waits for before-resync-target (resync.c).
 */
static int decide(struct rblk_conn *conn, const struct rblk_peer_state *ps)
{
	int ret = rblk_gen_peer_connected(conn->dev, ps, conn->won_nonce);

	if (ret > 0)
		return 0;
	if (ret == -EAGAIN)
		return ret;	/* not decided: try again on a new connection */
	if (ret)
		conn->fatal = true;
	return ret;
}

/* A later STATE: what we know of the peer changes (one event, if any). */
static int take_peer_state(struct rblk_conn *conn, const struct rblk_peer_state *ps)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_state ns;
	int ret;

	mutex_lock(&dev->lock);
	ns = dev->state;
	rblk_state_take_peer(&ns, ps);
	ret = rblk_state_commit(dev, &ns, RBLK_SC_PEER, "the peer's state", NULL);
	mutex_unlock(&dev->lock);
	if (ret)
		rblk_conn_error(conn, "the state %s sent (%s, %s) does not fit this node's (%s, %s, %s)",
				conn->peer_node, rblk_role_name(ps->role),
				rblk_disk_name(ps->disk_state),
				rblk_role_name(ns.role), rblk_disk_name(ns.disk),
				rblk_conn_name(ns.conn));
	return ret;
}

/*
 * The first STATE of a connection decides whether the two disks can be
 * used together (the generation table of include/rblk/gi.h); later ones
 * only update what we know of the peer.
 */
int rblk_conn_peer_state_changed(struct rblk_conn *conn)
{
	struct rblk_device *dev = conn->dev;
	struct rblk_peer_state ps;
	unsigned long flags;
	bool failed;
	int ret;

	spin_lock_irqsave(&conn->lock, flags);
	ps = conn->peer_state;
	spin_unlock_irqrestore(&conn->lock, flags);
	if (!conn->decided) {
		/*
		 * Connected only now that both states are exchanged: a peer
		 * that closes before (its handshake gave up) is not counted.
		 */
		pr_info("rblk%d: %s: connected to %s (%pISpc)\n", dev->minor,
			dev->name, conn->peer_node, &conn->peer);
		atomic64_inc(&dev->stats.connects);
		WRITE_ONCE(conn->decided, true);
		ret = decide(conn, &ps);
		/*
		 * Parked writes now see the connection up, or go without;
		 * a resync's first, once the bitmaps are exchanged (resync.c).
		 */
		if (ret || !rblk_resync_exchanging(conn))
			rblk_conn_end_handshake(conn);
		else
			unpark(conn, false);	/* and role changes go on */
		/* DRBD's order: every split brain, the lost Primary, unresolved. */
		if (conn->isb_helper) {
			conn->isb_helper = false;
			rblk_helper(dev, "initial-split-brain");
		}
		if (conn->pl_helper) {
			conn->pl_helper = false;
			rblk_helper(dev, "pri-lost-after-sb");
		}
		if (conn->sb_helper) {
			conn->sb_helper = false;
			rblk_helper(dev, "split-brain");
		}
		return ret;
	}
	/* Our resync waits for before-resync-target: it takes the latest. */
	if (conn->rs.before_pending)
		return 0;
	/*
	 * The target's bitmap comes after its handler, which still runs;
	 * only a target that says it is behind (our writes are marked).
	 */
	if ((ps.state_flags & RBLK_SF_RESYNC_WAITS) &&
	    (conn->features & RBLK_FEAT_RESYNC_WAITS) && conn->rs.source &&
	    conn->rs.phase == RBLK_RS_WAIT_BITMAP &&
	    (ps.disk_state == RBLK_DISK_OUTDATED ||
	     ps.disk_state == RBLK_DISK_INCONSISTENT)) {
		WRITE_ONCE(conn->rs.bitmap_wait_since, jiffies);
		conn->rs.target_waits = true;
	}
	if (ps.role == RBLK_ROLE_PRIMARY &&
	    READ_ONCE(dev->state.role) == RBLK_ROLE_PRIMARY) {
		ret = rblk_conn_both_primary(conn);
		conn->fatal = true;
		return ret;
	}
	/*
	 * A disk that failed or was never there comes back only through a
	 * new handshake (kmod/ioerr.c): what we marked meanwhile must be
	 * resynced first.
	 */
	if (READ_ONCE(dev->state.peer_disk) <= RBLK_DISK_FAILED &&
	    ps.disk_state > RBLK_DISK_FAILED)
		return rblk_conn_protocol_error(conn, RBLK_WIRE_BAD_STATE,
						RBLK_P_STATE);
	failed = READ_ONCE(dev->state.peer_disk) > RBLK_DISK_FAILED &&
		 ps.disk_state <= RBLK_DISK_FAILED;
	/* Only a Primary source keeps application writes out of a verify. */
	if (ps.role == RBLK_ROLE_PRIMARY)
		rblk_verify_abort(conn, "the peer became Primary");
	ret = take_peer_state(conn, &ps);
	/*
	 * The peer's disk failed: as for a lost peer, what it acknowledged
	 * and may have lost is marked (a Secondary logs nothing), and the
	 * generation moves on (gen.c).
	 */
	if (!ret && failed) {
		rblk_tl_peer_disk_failed(conn);
		rblk_gen_peer_disk_failed(dev);
	}
	/* A target that says it is behind: our parked writes are marked. */
	if (!ret && conn->rs.source && conn->rs.phase == RBLK_RS_WAIT_BITMAP &&
	    READ_ONCE(conn->handshake))
		unpark(conn, false);
	return ret;
}

/* Starts listening and connecting; conn holds the configuration. */
int rblk_conn_start(struct rblk_device *dev, struct rblk_conn *conn)
{
	struct task_struct *t;
	int ret;

	conn->dev = dev;
	conn->fatal = false;
	conn->last_error[0] = 0;
	ret = rblk_tl_alloc(&conn->tl);
	if (ret)
		return ret;
	ret = start_listening(conn);
	if (ret) {
		rblk_tl_free(conn);
		return ret;
	}
	t = kthread_create(worker, conn, "rblk%d_conn", dev->minor);
	if (IS_ERR(t)) {
		sock_release(conn->listen_sock);
		conn->listen_sock = NULL;
		rblk_tl_free(conn);
		return PTR_ERR(t);
	}
	get_task_struct(t);
	conn->worker = t;
	/* Connecting when the command returns, not once the thread runs. */
	rblk_state_set_conn(dev, RBLK_CONN_STANDALONE, RBLK_CONN_CONNECTING,
			    "connect");
	wake_up_process(t);
	return 0;
}

/* New options (RBLK_CMD_NET_OPTS): the receiver's pace follows them. */
void rblk_conn_opts_changed(struct rblk_conn *conn)
{
	mutex_lock(&conn->sock_mutex);
	if (conn->sock && conn->decided)
		WRITE_ONCE(conn->sock->sk->sk_rcvtimeo,
			   msecs_to_jiffies(rx_poll_ms(&conn->opts)));
	mutex_unlock(&conn->sock_mutex);
}

/* Drop the connection; the worker reconnects and decides anew. */
void rblk_conn_reconnect(struct rblk_conn *conn)
{
	mutex_lock(&conn->sock_mutex);
	if (conn->sock && !conn->stopping)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	mutex_unlock(&conn->sock_mutex);
}

/*
 * --discard-my-data is for one decision (as in DRBD): once it has taken
 * effect, a later split brain on a reconnect of the same connect goes by
 * the after-sb policies again. It has taken effect when the decision is
 * recorded: a connection without resync, a resync from here, or, on a
 * sync target, the resync's start (the generations then make this node
 * the target again after a break); until then a reconnect needs it still.
 * Under dev->lock, which the STATE we send is built under.
 */
void rblk_conn_discard_used(struct rblk_conn *conn)
{
	lockdep_assert_held(&conn->dev->lock);
	if (!(conn->flags & RBLK_F_DISCARD_MY_DATA))
		return;
	WRITE_ONCE(conn->flags, conn->flags & ~RBLK_F_DISCARD_MY_DATA);
	pr_info("rblk%d: %s: --discard-my-data has taken effect; a later split brain goes by the after-sb policies\n",
		conn->dev->minor, conn->dev->name);
}

/* Back to StandAlone: close everything and stop reconnecting. */
void rblk_conn_stop(struct rblk_device *dev)
{
	struct rblk_conn *conn = &dev->conn;

	if (!conn->worker)
		return;
	mutex_lock(&conn->sock_mutex);
	conn->stopping = true;
	if (conn->sock)
		kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	kernel_sock_shutdown(conn->listen_sock, SHUT_RDWR);
	mutex_unlock(&conn->sock_mutex);
	kthread_stop(conn->worker);
	put_task_struct(conn->worker);
	conn->worker = NULL;
	if (conn->sock || conn->sender)
		teardown(conn);
	drop_stale_ctls(conn);
	rblk_tl_free(conn);
	sock_release(conn->listen_sock);
	conn->listen_sock = NULL;
	rblk_state_set_conn(dev, RBLK_CONN_ANY, RBLK_CONN_STANDALONE, "disconnect");
	put_net(conn->net);
	conn->net = NULL;
	rblk_auth_wipe(&conn->opts.auth);
}
