// Type declarations of winston.js: axlog through winston's stock Http transport.

import type { AxlogEvent } from './axlog';

export interface AxlogHttpOptions {
	/** The full URL of the endpoint, e.g. "https://logs.example.com/ingest". */
	url: string | URL;
	/** An ingest key (axk_...), sent as X-API-Key. */
	key: string;
	/** Events a request (default 100). */
	batchCount?: number;
	/** Milliseconds before a partial batch goes (default 1000). */
	batchInterval?: number;
}

/** Options for new winston.transports.Http({...httpOptions(o), format}). */
export function httpOptions(options: AxlogHttpOptions): {
	host: string;
	port: number;
	path: string;
	ssl: boolean;
	headers: Record<string, string>;
	batch: true;
	batchCount: number;
	batchInterval: number;
};

/** A winston info object as an axlog event; use as winston.format(toEvent)(). */
export function toEvent(info: Record<string | symbol, unknown>): AxlogEvent;
