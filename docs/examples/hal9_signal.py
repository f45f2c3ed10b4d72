"""Publish one signal to HAL9 Streams and print its result (Debian: python3-confluent-kafka, python3-avro)."""
import io, json, os, struct, urllib.request, uuid

import avro.io
import avro.schema
from confluent_kafka import Consumer, Producer

BOOTSTRAP = os.environ.get("EXAMPLE_BOOTSTRAP", "127.0.0.1:9092")
REGISTRY = os.environ.get("EXAMPLE_REGISTRY", "http://127.0.0.1:8081")
INPUT = os.environ.get("EXAMPLE_INPUT_TOPIC", "hal9.signals.l2")
RESULTS = os.environ.get("EXAMPLE_RESULTS_TOPIC", "hal9.results")


def registry(path):
    with urllib.request.urlopen(REGISTRY + path) as response:
        return json.load(response)


def with_defaults(schema, value):
    """Avro's Python writer does not fill defaults in: give every field a value."""
    if isinstance(schema, avro.schema.RecordSchema):
        return {f.name: with_defaults(f.type, value[f.name]) if f.name in value else f.default
                for f in schema.fields}
    return value


def encode(subject, value):
    """Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), Avro binary."""
    latest = registry(f"/subjects/{subject}/versions/latest")
    schema = avro.schema.parse(latest["schema"])
    out = io.BytesIO()
    out.write(struct.pack(">bI", 0, latest["id"]))
    avro.io.DatumWriter(schema).write(with_defaults(schema, value), avro.io.BinaryEncoder(out))
    return out.getvalue()


def decode(data):
    magic, schema_id = struct.unpack(">bI", data[:5])
    schema = avro.schema.parse(registry(f"/schemas/ids/{schema_id}")["schema"])
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(data[5:])))


signal_id = str(uuid.uuid4())  # comes back as the result's rootId
producer = Producer({"bootstrap.servers": BOOTSTRAP})
producer.produce(INPUT, key=b"order-42", value=encode(INPUT + "-value", {
    "signalId": signal_id, "activation": {"content": "Add a rate limiter to the API"}}))
producer.flush()

consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "hal9-example", "auto.offset.reset": "earliest",
                     "isolation.level": "read_committed"})  # the layers write transactionally
consumer.subscribe([RESULTS])
while True:
    record = consumer.poll(30.0)
    if record is None:
        raise SystemExit("no result within 30 s")
    if record.error() is None and decode(record.value())["rootId"] == signal_id:
        result = decode(record.value())
        for hop in result["hops"]:
            print(hop["layer"], hop["model"], hop["latencyMs"], "ms:", hop["output"].splitlines()[0])
        break
consumer.close()
