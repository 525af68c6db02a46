"""The development server `make demo` runs answers keep-alive requests without waiting for delayed ACKs."""

import socket
import socketserver

from django.core.servers.basehttp import WSGIRequestHandler


def test_the_dev_server_sets_tcp_nodelay_on_its_connections():
    # given a connection accepted the way runserver accepts it
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    try:
        # when the request handler sets the connection up (StreamRequestHandler.setup, which runserver's handler
        # inherits), without handling a request
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        handler.request, handler.connection = accepted, accepted
        socketserver.StreamRequestHandler.setup(handler)
        # then Nagle's algorithm is off on the server side of the connection
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        for s in (client, accepted, server):
            s.close()
