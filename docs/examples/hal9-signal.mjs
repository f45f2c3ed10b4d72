// Publish one signal to HAL9 Streams and print its result (npm install kafkajs@2.2.4 avsc@5.7.9; Node 18+).
import { randomUUID } from "node:crypto";
import avro from "avsc";
import { Kafka, Partitioners, logLevel } from "kafkajs";

const bootstrap = process.env.EXAMPLE_BOOTSTRAP ?? "127.0.0.1:9092";
const registry = process.env.EXAMPLE_REGISTRY ?? "http://127.0.0.1:8081";
const input = process.env.EXAMPLE_INPUT_TOPIC ?? "hal9.signals.l2";
const results = process.env.EXAMPLE_RESULTS_TOPIC ?? "hal9.results";
const get = async (path) => (await fetch(registry + path)).json();

// Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), Avro binary
async function encode(subject, value) {
  const latest = await get(`/subjects/${subject}/versions/latest`);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(latest.id, 1);
  return Buffer.concat([header, avro.Type.forSchema(JSON.parse(latest.schema)).toBuffer(value)]);
}
async function decode(data) {
  const writer = await get(`/schemas/ids/${data.readUInt32BE(1)}`);
  return avro.Type.forSchema(JSON.parse(writer.schema)).fromBuffer(data.subarray(5));
}

const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.WARN });
const signalId = randomUUID(); // comes back as the result's rootId
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }); // the Java client's
await producer.connect();
await producer.send({ topic: input, messages: [{ key: "order-42",
  value: await encode(`${input}-value`, { signalId, activation: { content: "Add a rate limiter to the API" } }) }] });
await producer.disconnect();

// readUncommitted: false is read_committed (the layers write transactionally)
const consumer = kafka.consumer({ groupId: `hal9-example-${signalId}`, readUncommitted: false });
await consumer.connect();
await consumer.subscribe({ topic: results, fromBeginning: true });
const result = await new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("no result within 30 s")), 30_000).unref();
  consumer.run({ eachMessage: async ({ message }) => {
    const signal = await decode(message.value);
    if (signal.rootId === signalId) resolve(signal);
  } });
});
await consumer.disconnect();
for (const hop of result.hops) console.log(hop.layer, hop.model, hop.latencyMs, "ms:", hop.output.split("\n")[0]);
