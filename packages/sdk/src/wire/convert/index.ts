/**
 * The one conversion layer between the wire (the generated pluginv2 messages, wire/messages.ts) and
 * the SDK's types (types.ts). The service adapters in handlers/ decode requests with it, call the
 * plugin's handlers with SDK types, and encode the answers with it; nothing else reads or builds a
 * wire message.
 */
export * from './data';
export * from './diagnostics';
export * from './frame';
export * from './plugin-context';
export * from './resource';
export * from './scalars';
export * from './settings';
export * from './stream';
