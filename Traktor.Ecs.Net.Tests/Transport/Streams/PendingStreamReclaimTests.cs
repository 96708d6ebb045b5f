using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Transport.Tcp;

namespace Traktor.Ecs.Net.Tests.Transport.Streams;

/// <summary>
/// A TCP stream needs no connect token, so streams that connect and never speak could hold every slot: each for its
/// whole handshake timeout (10 s), opened again as it closed, from enough addresses to pass the per-address and
/// per-network limits (128 addresses in 32 networks for the default 1,024). With every slot taken, the oldest accepted
/// stream that has gone 3 s without a handshake now makes room for a new one; before, the new one was refused.
/// </summary>
public sealed class PendingStreamReclaimTests
{
    [Fact]
    public void With_every_stream_taken_by_silent_ones_a_new_stream_takes_the_oldest_silent_ones_slot()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        using var server = TcpTransport.Listen(new IPEndPoint(IPAddress.Loopback, 0), new StreamTransportOptions { MaxConnections = 4 }, time);
        var buffer = new byte[64];
        void Poll(Func<bool> until)
        {
            var deadline = Stopwatch.StartNew();
            do server.TryReceive(buffer, out _, out _);
            while (!until() && deadline.Elapsed.TotalSeconds < 5);
        }

        var sockets = new List<Socket>();
        Socket Open(string source)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
            socket.Connect(server.LocalEndPoint!);
            sockets.Add(socket);
            return socket;
        }

        try
        {
            // Four silent streams from four addresses fill the table, two at first and two 2 s later; a fifth is refused
            // as before (none is 3 s old).
            for (int i = 1; i <= 4; i++)
            {
                if (i == 3) time.Advance(TimeSpan.FromSeconds(2));
                Open($"127.0.1.{i}");
                Poll(() => server.Counters.Accepted == i);
            }

            Assert.Equal(4, server.StreamCount);
            Open("127.0.2.1");
            Poll(() => server.Counters.Refused == 1);
            Assert.Equal((4L, 1L, 4), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount));

            // 1.5 s later the first two are 3.5 s old without a handshake: two newcomers take their slots, oldest first.
            time.Advance(TimeSpan.FromSeconds(1.5));
            Open("127.0.2.2");
            Poll(() => server.Counters.Accepted == 5);
            Assert.Equal((5L, 1L, 4, 1L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
            sockets[0].ReceiveTimeout = 5000;
            Assert.Equal(0, sockets[0].Receive(new byte[16])); // the first one, closed by the server
            Open("127.0.2.3");
            Poll(() => server.Counters.Accepted == 6);

            // Then no stream is old enough (two are 1.5 s old, two new): the next newcomer is refused.
            Open("127.0.2.4");
            Poll(() => server.Counters.Refused == 2);
            Assert.Equal((6L, 2L, 4, 2L), (server.Counters.Accepted, server.Counters.Refused, server.StreamCount, server.Counters.HandshakeTimeouts));
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }
}
