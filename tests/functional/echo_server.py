"""A fast HTTP/1.1 server for the concurrency tests, run as its own process.

``python echo_server.py`` prints its port, then answers every request with the
item whose id is the last segment of the request's path (keep-alive, any
number of connections), until it is killed. asyncio in a process of its own,
so that thousands of calls are not slowed down by the client's threads.
"""

from __future__ import annotations

import asyncio
import json


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head.split(b"\r\n")
            target = request_line.split(b" ")[1]
            length = 0
            for line in lines:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            item_id = target.split(b"?")[0].rsplit(b"/", 1)[-1].decode()
            body = json.dumps({"id": item_id, "name": "n", "created_at": "2025-01-02T03:04:05Z"}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await asyncio.start_server(_serve, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
