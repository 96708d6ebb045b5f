using System.Numerics;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Fuzz.Game;
using Traktor.Ecs.Net.Fuzz.Targets;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Fuzz.Seeding;

/// <summary>
/// Plays the fuzz game for a few seconds over the in-memory network, two clients against one server, and records
/// what crossed each boundary a target decodes: datagrams each side received (insecure mode with compression, so
/// the payload plaintext is in the clear), the messages the server's dispatcher received, and the messages it sent.
/// The seed corpus is cut from these recordings.
/// </summary>
internal sealed class RealTraffic
{
    private RealTraffic()
    {
    }

    /// <summary>Datagrams the server read (handshake and payloads of both clients), in order.</summary>
    public List<(byte[] Data, NetAddress Source)> ServerReceived { get; } = new();

    /// <summary>Datagrams the first client read.</summary>
    public List<byte[]> ClientReceived { get; } = new();

    /// <summary>Messages the server's dispatcher received: acks, inputs, RPCs.</summary>
    public List<(ChannelKind Channel, byte[] Data)> ToServer { get; } = new();

    /// <summary>Messages the server sent: snapshots, RPCs, input status.</summary>
    public List<(ChannelKind Channel, byte[] Data)> ToClients { get; } = new();

    public static RealTraffic Record(int ticks = 240)
    {
        var traffic = new RealTraffic();
        var time = new FakeTimeProvider(Wire.Start);
        var network = new InMemoryNetwork();
        var serverTransport = new Tap(network.CreateTransport(Wire.Server), (data, source) => traffic.ServerReceived.Add((data, source)));
        using var netServer = new NetServer(serverTransport, new NetServerOptions { Insecure = true, Compression = true, ProtocolId = Wire.ProtocolId }, time);
        var endpoint = new RecordingEndpoint(netServer, traffic);
        using var serverWorld = World.Create();
        var server = new NetworkServer(serverWorld, endpoint, FuzzGame.Replicated, new ServerReplicationOptions());
        _ = new RpcServer(server, FuzzGame.Rpcs, new RpcOptions(), time, DiscardLogger.Instance).AllowFromClients<FuzzCommand>().AllowFromClients<FuzzChat>();
        var inputs = new ServerInputs<FuzzMove, FuzzMoveSerializer>(server);
        var serverGroup = new Group<float>("server", server, inputs);
        serverGroup.Initialize();
        var entities = new List<Entity>();
        server.ClientConnected += (connection, clientId) =>
        {
            entities.Add(serverWorld.Create(new FuzzBody { Position = new Vector2(clientId, 0) }, new FuzzVitals { Health = 100, Name = new FixedString32("pilot" + clientId) }, new NetworkOwner(connection)));
            entities.Add(serverWorld.Create(new FuzzAim { Facing = Quaternion.CreateFromYawPitchRoll(clientId, 0.5f, 0), Power = 9 }, new FuzzPosition { Value = new Vector2(-(float)clientId, 4) }, new NetworkOwner(connection)));
        };
        for (int i = 0; i < 6; i++)
        {
            entities.Add(serverWorld.Create(new FuzzPosition { Value = new Vector2(i * 3, i) }, new FuzzScore { Value = i * 1.5f, Total = i * 1000L }));
        }

        var clients = new List<(World World, NetClient Transport, Group<float> Group)>();
        for (ulong id = 1; id <= 2; id++)
        {
            var raw = network.CreateTransport();
            IDatagramTransport transport = id == 1 ? new Tap(raw, (data, _) => traffic.ClientReceived.Add(data)) : raw;
            var netClient = new NetClient(transport, new NetClientOptions { Insecure = true, Compression = true, ProtocolId = Wire.ProtocolId }, time);
            var world = World.Create();
            var client = new NetworkClient(world, netClient, FuzzGame.Replicated, 60, time);
            _ = new RpcClient(client, FuzzGame.Rpcs);
            var prediction = new ClientPrediction<FuzzMove, FuzzMoveSerializer>(client, new Group<float>("predicted"), new QueryDescription().WithAll<FuzzBody>(),
                tick => new FuzzMove { X = MathF.Sin(tick * 0.1f), Y = 0.3f, Fire = tick % 30 == 0, Aim = new Vector2(1, tick % 5) });
            var group = new Group<float>("client", client, prediction);
            group.Initialize();
            netClient.ConnectInsecure(Wire.Server, id);
            clients.Add((world, netClient, group));
        }

        float dt = 1f / 60;
        for (int tick = 0; tick < ticks; tick++)
        {
            time.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond / 60));
            foreach (var entity in entities)
            {
                if (serverWorld.Has<FuzzPosition>(entity)) serverWorld.Get<FuzzPosition>(entity).Value += new Vector2(0.25f, -0.5f);
                if (serverWorld.Has<FuzzScore>(entity)) serverWorld.Get<FuzzScore>(entity).Total += tick;
            }
            if (tick % 40 == 20)
            {
                // Spawns and despawns, so snapshots carry both.
                serverWorld.Destroy(entities[0]);
                entities.RemoveAt(0);
                entities.Add(serverWorld.Create(new FuzzPosition { Value = new Vector2(tick, 1) }, new FuzzScore { Value = tick }));
                serverWorld.SendRpc(new FuzzAnnouncement { Score = tick }, RpcTarget.AllClients);
            }
            if (tick % 15 == 7 && clients[0].Transport.State == ClientState.Connected)
            {
                clients[0].World.SendRpc(new FuzzCommand { Weapon = tick % 1000 }, RpcTarget.Server);
                clients[0].World.SendRpc(new FuzzChat { Text = new FixedString64("gg " + tick) }, RpcTarget.Server);
            }
            serverGroup.Tick(in dt);
            foreach (var (_, _, group) in clients) group.Tick(in dt);
        }

        foreach (var (world, transport, _) in clients)
        {
            transport.Dispose();
            world.Dispose();
        }
        return traffic;
    }

    /// <summary>A transport that reports every datagram it reads.</summary>
    private sealed class Tap(IDatagramTransport inner, Action<byte[], NetAddress> onReceive) : IDatagramTransport
    {
        public NetAddress LocalAddress => inner.LocalAddress;

        public bool TrySend(ReadOnlySpan<byte> datagram, in NetAddress destination) => inner.TrySend(datagram, destination);

        public bool TryReceive(Span<byte> buffer, out int length, out NetAddress source)
        {
            if (!inner.TryReceive(buffer, out length, out source)) return false;
            onReceive(buffer[..length].ToArray(), source);
            return true;
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A server endpoint that records the messages passing through it.</summary>
    private sealed class RecordingEndpoint(NetServer inner, RealTraffic traffic) : IServerEndpoint
    {
        public NetAddress LocalAddress => inner.LocalAddress;

        public TimeProvider Clock => inner.Clock;

        public int ConnectionCount => inner.ConnectionCount;

        public int MaxUnfragmentedMessageSize => inner.MaxUnfragmentedMessageSize;

        public void Update() => inner.Update();

        public void Flush() => inner.Flush();

        public bool TryPollEvent(out NetEvent netEvent)
        {
            if (!inner.TryPollEvent(out netEvent)) return false;
            if (netEvent.Type == NetEventType.Message) traffic.ToServer.Add((netEvent.Channel, netEvent.Data.ToArray()));
            return true;
        }

        public SendResult Send(ConnectionId connection, ChannelKind channel, ReadOnlySpan<byte> message)
        {
            if (connection.Slot == 0) traffic.ToClients.Add((channel, message.ToArray()));
            return inner.Send(connection, channel, message);
        }

        public SendResult SendTracked(ConnectionId connection, ReadOnlySpan<byte> message, uint receipt)
        {
            if (connection.Slot == 0) traffic.ToClients.Add((ChannelKind.Unreliable, message.ToArray()));
            return inner.SendTracked(connection, message, receipt);
        }

        public void Broadcast(ChannelKind channel, ReadOnlySpan<byte> message)
        {
            traffic.ToClients.Add((channel, message.ToArray()));
            inner.Broadcast(channel, message);
        }

        public void Disconnect(ConnectionId connection, DisconnectReason reason = DisconnectReason.Kicked) => inner.Disconnect(connection, reason);

        public bool TryGetStats(ConnectionId connection, out NetStats stats) => inner.TryGetStats(connection, out stats);

        public bool TryGetAddress(ConnectionId connection, out NetAddress address) => inner.TryGetAddress(connection, out address);
    }
}
