using Traktor.Ecs.Net.Replication.Client;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Bench.Replication;

/// <summary>
/// A deterministic stand-in for the network between one server and its clients: fixed one-way delay
/// in ticks and random loss both ways. It measures only replication's own bytes (no transport headers).
/// </summary>
public sealed class LossyPipe : ISnapshotSink
{
    private readonly ServerReplication server;
    private readonly Dictionary<ConnectionId, ClientReplication> clients;
    private readonly Random random;
    private readonly Queue<(int Due, ConnectionId To, byte[] Bytes)> toClients = new();
    private readonly Queue<(int Due, ConnectionId From, byte[] Bytes)> toServer = new();
    private readonly byte[] ack = new byte[16];
    private int now;

    /// <summary>Creates the pipe.</summary>
    public LossyPipe(ServerReplication server, Dictionary<ConnectionId, ClientReplication> clients, int delayTicks, double loss, int seed)
    {
        this.server = server;
        this.clients = clients;
        DelayTicks = delayTicks;
        Loss = loss;
        random = new Random(seed);
    }

    /// <summary>One-way delay in ticks.</summary>
    public int DelayTicks { get; }

    /// <summary>Probability that a message is lost, each way.</summary>
    public double Loss { get; set; }

    /// <summary>Snapshot bytes the server sent.</summary>
    public long BytesSent { get; private set; }

    /// <inheritdoc />
    public void Send(ConnectionId connection, ReadOnlySpan<byte> snapshot)
    {
        BytesSent += snapshot.Length;
        if (random.NextDouble() >= Loss)
        {
            toClients.Enqueue((now + DelayTicks, connection, snapshot.ToArray()));
        }
    }

    /// <summary>Advances one tick: delivers what is due both ways, clients acknowledging what they got.</summary>
    public void Step()
    {
        now++;
        while (toClients.Count > 0 && toClients.Peek().Due <= now)
        {
            var (_, to, bytes) = toClients.Dequeue();
            var client = clients[to];
            if (client.ReceiveSnapshot(bytes, now / 60.0, DelayTicks * 2 / 60.0))
            {
                int length = client.WriteAck(ack);
                if (random.NextDouble() >= Loss)
                {
                    toServer.Enqueue((now + DelayTicks, to, ack.AsSpan(0, length).ToArray()));
                }
            }
        }

        while (toServer.Count > 0 && toServer.Peek().Due <= now)
        {
            var (_, from, bytes) = toServer.Dequeue();
            server.ReceiveAck(from, bytes);
        }
    }
}
