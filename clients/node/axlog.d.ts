// Type declarations of axlog.js, the Node.js client of axlog's POST /ingest.

/** One event, as POST /ingest takes it (README.md, "POST /ingest"). */
export interface AxlogEvent {
	/** Required: 1 to 64 characters of [A-Za-z0-9_.:/-]. */
	event_type: string;
	/** Up to 64 characters. */
	event_subtype?: string | null;
	/** Set by record() when absent (crypto.randomUUID()); keep it for a resend. */
	id?: string;
	/** RFC 3339; set by record() when absent (the time of the call). */
	created_at?: string | Date;
	user_id?: string | null;
	/** Up to 64 characters. */
	fingerprint?: string | null;
	/** IPv4 or IPv6. */
	ip_address?: string | null;
	/** Default true. */
	success?: boolean | null;
	/** A number >= 0. */
	duration_ms?: number | null;
	/** At most 8 KiB of UTF-8. */
	message?: string | null;
	/** At most 8 KiB serialised, nested at most 8 deep. */
	metadata?: Record<string, unknown> | null;
	/** The key's app, if given at all. */
	app_id?: string | null;
}

/** What onError receives: one report for each loss. */
export interface AxlogError extends Error {
	/**
	 * refused: the server (or record(), for an event that is not a JSON
	 *   object) refused these events;
	 * overflowed: the buffer was full and the oldest events were dropped
	 *   (reported once, until a batch is delivered again);
	 * closed: record() after close() (reported once);
	 * unsent: close() ran out of time.
	 */
	kind: 'refused' | 'overflowed' | 'closed' | 'unsent';
	/** How many events this report is about. */
	dropped: number;
	/** The HTTP status, for a refusal by the server. */
	status?: number;
	/** A 400's details: [{ index, field, problem }], index in the request. */
	details?: Array<{ index: number; field: string | null; problem: string }>;
	/** For a 400 naming events: those events, as sent. */
	events?: AxlogEvent[];
	/** The server's JSON answer, for other refusals. */
	body?: unknown;
}

export interface AxlogOptions {
	/** The full URL of the endpoint, e.g. "https://logs.example.com/ingest". */
	url: string | URL;
	/** An ingest key (axk_...), sent as "Authorization: Bearer". */
	key: string;
	/** Events a request (default 500; the server takes up to 1000). */
	maxBatch?: number;
	/** JSON bytes a request before gzip (default 512 KiB; the server takes 1 MiB). */
	maxBatchBytes?: number;
	/** Milliseconds an event may wait for others to share its request (default 1000). */
	flushInterval?: number;
	/** Events waiting to be sent; beyond, the oldest are dropped (default 10000). */
	maxBuffer?: number;
	/** Bodies of this many bytes or more are gzipped (default 8192). */
	gzipMinBytes?: number;
	/** Milliseconds for one request (default 15000). */
	timeout?: number;
	/** First retry delay in ms when the answer has no Retry-After (default 500). */
	minBackoff?: number;
	/** Longest delay between two tries in ms (default 30000). */
	maxBackoff?: number;
	/** Called once per loss; default: one line on stderr. */
	onError?: (err: AxlogError) => void;
}

export interface AxlogStats {
	/** Events accepted by record(). */
	recorded: number;
	/** Events the server confirmed (stored now, or earlier: duplicates). */
	sent: number;
	/** Of those, events the server already had (a resend after a lost answer). */
	duplicates: number;
	/** Events lost, for any reason (overflowed + refused + closed + unsent). */
	dropped: number;
	/** Events dropped because the buffer was full. */
	overflowed: number;
	/** Events refused by the server, or not JSON-serialisable. */
	refused: number;
	/** Requests tried again (network error, 408, 429, 5xx). */
	retries: number;
	/** Events waiting or in flight. */
	pending: number;
}

export interface AxlogClient {
	/**
	 * Queue one event; never blocks, never throws.  Returns the event's id,
	 * or undefined when the event was dropped (see onError).
	 */
	record(event: AxlogEvent): string | undefined;
	/** Resolves once every event recorded before the call is sent or dropped. */
	flush(): Promise<void>;
	/**
	 * Send what is buffered, for at most `timeout` ms (default 10000), then
	 * drop what is left; record() drops from then on.
	 */
	close(options?: { timeout?: number }): Promise<AxlogStats>;
	stats(): AxlogStats;
}

/** Throws a TypeError when url or key is missing or url is not a URL. */
export function createClient(options: AxlogOptions): AxlogClient;
