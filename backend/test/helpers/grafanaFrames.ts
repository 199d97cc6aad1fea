/**
 * Grafana's own frame readers for backend tests: `dataFrameFromJSON` (how panels read QueryData JSON)
 * and `StreamingDataFrame` (how Grafana Live buffers a channel), loaded from @grafana/data's CommonJS
 * build by file path. The package index pulls in ESM-only dependencies the node jest project does not
 * transform; these modules need none of them and are the same code the browser runs.
 */
import * as path from 'node:path';
import type { DataFrame, DataFrameJSON } from '@grafana/data';
import { checkFrame, frameToJSON, type Frame } from '@tributary/grafana-backend-sdk/frames';

const grafanaDist = path.dirname(require.resolve('@grafana/data'));

export const { dataFrameFromJSON, dataFrameToJSON } = require(path.join(grafanaDist, 'dataframe/DataFrameJSON.cjs')) as {
  dataFrameFromJSON: (dto: DataFrameJSON) => DataFrame;
  dataFrameToJSON: (frame: DataFrame) => DataFrameJSON;
};

export type GrafanaStreamingFrame = DataFrame & { push(msg: DataFrameJSON): unknown };

export const { StreamingDataFrame } = require(path.join(grafanaDist, 'dataframe/StreamingDataFrame.cjs')) as {
  StreamingDataFrame: { fromDataFrameJSON(frame: DataFrameJSON, opts?: { maxLength?: number }): GrafanaStreamingFrame };
};

/** What a panel gets from our frame: Grafana's reader applied to our frame JSON. */
export const asGrafana = (f: Frame): DataFrame => dataFrameFromJSON(JSON.parse(frameToJSON(checkFrame(f), 'all')) as DataFrameJSON);
