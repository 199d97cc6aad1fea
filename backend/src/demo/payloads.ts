/**
 * Demo sensor payloads: what a small building's devices might publish. Each device keeps its own
 * slowly drifting state, so graphs look like real sensors rather than noise, and every payload
 * carries the time it was *measured* (whole sampling periods), which is not when it arrives.
 */

export interface Device {
  id: string;
  /** Where the device is; appears in the payload (a nested object). */
  room: string;
  floor: number;
  /** How this device writes its timestamp: ISO-8601 text or epoch milliseconds. */
  timeFormat: 'iso' | 'epoch-ms';
  baseTemperature: number;
  baseHumidity: number;
}

export const DEMO_DEVICES: readonly Device[] = [
  { id: 'kitchen', room: 'Kitchen', floor: 0, timeFormat: 'iso', baseTemperature: 22.5, baseHumidity: 52 },
  { id: 'garage', room: 'Garage', floor: 0, timeFormat: 'epoch-ms', baseTemperature: 12, baseHumidity: 68 },
  { id: 'attic', room: 'Attic', floor: 2, timeFormat: 'iso', baseTemperature: 17, baseHumidity: 44 },
  { id: 'office', room: 'Office', floor: 1, timeFormat: 'epoch-ms', baseTemperature: 21, baseHumidity: 40 },
];

/** The bare-number topic: a power meter's instantaneous load, in watts. */
export const POWER_TOPIC = 'power/main/watts';

export function envTopic(device: Device): string {
  return `sensors/${device.id}/env`;
}

/** Mutable per-device state: random walks around each device's base values. */
export interface DeviceState {
  temperatureDrift: number;
  humidityDrift: number;
  battery: number;
  sequence: number;
}

export function initialState(): DeviceState {
  return { temperatureDrift: 0, humidityDrift: 0, battery: 100, sequence: 0 };
}

/** A bounded random walk step: mean-reverting so values never run away. */
function walk(value: number, step: number, limit: number, random: () => number): number {
  const next = value * 0.98 + (random() - 0.5) * step;
  return Math.max(-limit, Math.min(limit, next));
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * The JSON an environment sensor publishes for a measurement taken at `measuredAtMs`: nested
 * objects (`location`, `env`, `device`), an array, a status string, and its own timestamp `ts`.
 */
export function envPayload(device: Device, state: DeviceState, measuredAtMs: number, random: () => number = Math.random): Record<string, unknown> {
  state.temperatureDrift = walk(state.temperatureDrift, 0.4, 3, random);
  state.humidityDrift = walk(state.humidityDrift, 1.2, 8, random);
  // Batteries drain slowly and are "replaced" when empty.
  state.battery = state.battery <= 5 ? 100 : state.battery - 0.01;
  state.sequence += 1;
  // A day-long swing (warmest mid-afternoon), so a long time range shows a shape.
  const daily = Math.sin(((measuredAtMs / 3_600_000 - 9) / 24) * 2 * Math.PI) * 1.5;
  const temperature = device.baseTemperature + daily + state.temperatureDrift;
  return {
    ts: device.timeFormat === 'iso' ? new Date(measuredAtMs).toISOString() : measuredAtMs,
    seq: state.sequence,
    location: { room: device.room, floor: device.floor },
    env: {
      temperature: round(temperature, 2),
      humidity: round(device.baseHumidity + state.humidityDrift, 1),
      pressure: round(1013 + Math.sin(measuredAtMs / 600_000) * 4 + (random() - 0.5) * 0.2, 1),
    },
    device: { battery: round(state.battery, 2), firmware: '2.4.1', rssi: Math.round(-55 - random() * 20) },
    status: temperature > device.baseTemperature + 3.5 ? 'warm' : 'ok',
    tags: ['demo', `floor-${device.floor}`],
  };
}

/** The power meter's reading: a bare number (watts) with a base load and appliances switching. */
export function powerPayload(measuredAtMs: number, random: () => number = Math.random): string {
  const base = 350 + Math.sin(measuredAtMs / 900_000) * 120;
  const spikes = random() < 0.1 ? 1500 + random() * 800 : 0;
  return (base + spikes + random() * 40).toFixed(1);
}
