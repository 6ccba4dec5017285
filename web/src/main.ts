import "./style.css";
import { ProverWorker } from "./workerClient.ts";

const worker = new ProverWorker();
declare global {
  interface Window {
    zkmargin: { proveRaw(instance: string, input: Record<string, unknown>): Promise<unknown> };
  }
}
window.zkmargin = {
  proveRaw: (instance, input) => worker.run({ type: "prove-raw", instance, input }),
};
