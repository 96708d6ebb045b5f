using System.Numerics;
using Traktor.Ecs.Net.Fuzz.Game;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// Messages a connected client sends above the transport, dispatched by a real <see cref="NetworkServer"/> with
/// replication, server inputs and RPCs attached, over ticks that really replicate a small world: snapshot acks,
/// input commands, RPC calls, and any other kind byte. One class, four targets: <c>acks</c>, <c>inputs</c> and
/// <c>rpc</c> force the kind byte of every message so the fuzzer spends its time in one decoder;
/// <c>server-messages</c> leaves it free.
/// </summary>
internal sealed class ServerMessagesTarget(string name, byte? kind, string description) : IFuzzTarget
{
    private const int Connections = 3;

    public string Name => name;

    public string Description => description;

    // A tick replicates to three connections (snapshots, history) and every message is copied once by the endpoint.
    public long AllocationBudget => 4 * 1024 * 1024;

    public static IEnumerable<IFuzzTarget> All() =>
    [
        new ServerMessagesTarget("acks", SnapshotFormat.AckMessage, "server: snapshot acknowledgements (ServerReplication.ReceiveAck)"),
        new ServerMessagesTarget("inputs", PredictionFormat.InputMessage, "server: input commands (ServerInputs)"),
        new ServerMessagesTarget("rpc", Rpc.RpcFormat.ClientRpcMessage, "server: client RPCs (RpcServer: header, budget, argument decoding)"),
        new ServerMessagesTarget("server-messages", null, "server: any message kind through NetworkServer dispatch"),
    ];

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var world = World.Create();
        var endpoint = new ScriptedEndpoint();
        var server = new NetworkServer(world, endpoint, FuzzGame.Replicated, new ServerReplicationOptions());
        var rpcs = new RpcServer(server, FuzzGame.Rpcs, new RpcOptions(), time, DiscardLogger.Instance).AllowFromClients<FuzzCommand>().AllowFromClients<FuzzChat>();
        var inputs = new ServerInputs<FuzzMove, FuzzMoveSerializer>(server, new ServerInputOptions<FuzzMove>
        {
            Validate = (_, _, in move) => move.X * move.X + move.Y * move.Y <= 1.01f,
            MaxInvalidInputs = 50,
        });
        var group = new Group<float>("server", server, inputs);
        group.Initialize();
        var ids = new ConnectionId[Connections];
        for (int i = 0; i < Connections; i++)
        {
            ids[i] = new ConnectionId(i, 1);
            endpoint.Connect(ids[i], (ulong)i + 1);
        }
        for (int i = 0; i < 12; i++)
        {
            world.Create(new FuzzPosition { Value = new Vector2(i, -i) }, new FuzzBody { Position = new Vector2(i * 2, 3) }, new FuzzScore { Value = i }, new NetworkOwner(ids[i % Connections]));
        }
        for (int t = 0; t < 3; t++) Tick(group, time);

        var scratch = new byte[4097];
        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            int op = r.Byte();
            var connection = ids[r.Byte() % Connections];
            switch (op % 8)
            {
                case 0: // the connection leaves (and comes back, as a reconnect would, with a new generation)
                    endpoint.Disconnect(connection);
                    break;
                case 1:
                    endpoint.Connect(connection, (ulong)connection.Slot + 1);
                    break;
                case 2:
                case 3:
                    Tick(group, time);
                    break;
                default:
                    var channel = (ChannelKind)(op >> 3 & 3);
                    var data = r.Block(4096);
                    if (kind is { } forced)
                    {
                        var message = scratch.AsSpan(0, data.Length + 1);
                        message[0] = forced;
                        data.CopyTo(message[1..]);
                        endpoint.Message(connection, channel, message);
                    }
                    else
                    {
                        endpoint.Message(connection, channel, data);
                    }
                    break;
            }
        }
        Tick(group, time);
        probe.End();
        _ = rpcs;
    }

    private static void Tick(Group<float> group, Microsoft.Extensions.Time.Testing.FakeTimeProvider time)
    {
        time.Advance(TimeSpan.FromMilliseconds(1000.0 / 60));
        float dt = 1f / 60;
        group.BeforeUpdate(in dt);
        group.Update(in dt);
        group.AfterUpdate(in dt);
    }

    public IEnumerable<byte[]> Seeds() => Seeding.TrafficSeeds.ServerMessages(kind);
}
