/** Broker URL check shared by the config editor and the backend's settings check: one message for both. */
import { MQTT_URL_SCHEMES } from './mqtt';

/** Why `url` is not a usable broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://` with a host), or undefined. */
export function brokerUrlError(url: string): string | undefined {
  const text = url.trim();
  if (text === '') {
    return 'Broker URL is required';
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return `Broker URL "${text}" is not a URL (e.g. mqtt://broker:1883)`;
  }
  if (!(MQTT_URL_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    return `Broker URL must start with ${MQTT_URL_SCHEMES.map((s) => `${s}//`).join(', ')} (got ${parsed.protocol}//)`;
  }
  if (parsed.hostname === '') {
    return 'Broker URL must name a host (e.g. mqtt://broker:1883)';
  }
  return undefined;
}
