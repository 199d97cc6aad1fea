export {
  MessageBuffer,
  MessageRing,
  MAX_PAYLOAD_BYTES,
  MESSAGE_OVERHEAD_BYTES,
  type BufferObserver,
  type DropReason,
  type MessageBufferOptions,
  type RejectReason,
} from './messageBuffer';
