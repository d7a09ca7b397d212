"""A broker that is away loses nothing: refused messages wait in an :class:`Outbox` and are
sent when RabbitMQ answers again; a plan job whose parts cannot be sent solves them itself.

The broker's outage is a second engine pointed at a port where nothing listens (the shared
RabbitMQ server is never stopped); "back" is the real server on 127.0.0.1:5672.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from jobtest_support import BROKER, engine_settings, rabbitmq_answers, rabbitmq_queue

from api.db.database import Database
from api.jobs.engine import DramatiqEngine, Outbox
from api.jobs.parts import EngineParts
from api.settings import Settings

SQUARE = "api.jobs.parts:square"


@pytest.fixture
def queue() -> Iterator[str]:
    yield from rabbitmq_queue()


def test_a_job_solves_its_parts_itself_when_the_broker_refuses_them(
        settings: Settings, database: Database) -> None:
    refused: list[int] = []

    def broker_away(part_id: int) -> None:
        refused.append(part_id)
        raise ConnectionError("broker away")

    runner = EngineParts(database, settings, "job:1:outage", send=broker_away)
    results = runner(SQUARE, [{"x": i} for i in range(3)])
    assert [r["x2"] for r in results] == [0, 1, 4]
    assert len(refused) == 3


@pytest.mark.skipif(not rabbitmq_answers(), reason="no RabbitMQ server on 127.0.0.1:5672")
def test_refused_messages_are_sent_when_the_broker_is_back(settings: Settings,
                                                           queue: str) -> None:
    import pika

    away = DramatiqEngine(engine_settings(settings, queue,
                                          job_broker_url="amqp://guest:guest@127.0.0.1:9/"))
    back = DramatiqEngine(engine_settings(settings, queue))
    broker = [away]
    outbox = Outbox(lambda plan_id: broker[0].send(plan_id))
    try:
        assert not outbox.send(41) and not outbox.send(42)
        assert outbox.flush() == 2  # still away: both kept
        broker[0] = back
        assert outbox.flush() == 0
        assert outbox.send(43)
        connection = pika.BlockingConnection(pika.URLParameters(BROKER))
        try:
            waiting = connection.channel().queue_declare(queue, passive=True)
            assert waiting.method.message_count == 3
        finally:
            connection.close()
    finally:
        away.close()
        back.close()
