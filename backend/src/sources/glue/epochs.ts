/**
 * The buffer epoch: sequence numbers (RawMessage.seq) come from one counter per process (the buffer
 * module), so they are comparable across every subscription of a process but not across processes.
 * A stream position is therefore (epoch, seq) with a random epoch per process: a stream whose epoch
 * is not this process's (the sidecar restarted) continues from now instead of trusting a foreign seq.
 */
import { randomBytes } from 'node:crypto';

export const PROCESS_EPOCH: string = randomBytes(6).readUIntBE(0, 6).toString(36).padStart(10, '0');
