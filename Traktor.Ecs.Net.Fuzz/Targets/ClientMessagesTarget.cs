using Traktor.Ecs.Net.Fuzz.Game;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Systems;

namespace Traktor.Ecs.Net.Fuzz.Targets;

/// <summary>
/// Messages the server sends above the transport, dispatched by a real <see cref="NetworkClient"/> with RPCs and
/// prediction attached: server RPCs (held until their tick, then decoded), input status, snapshots, and any other
/// kind byte.
/// </summary>
internal sealed class ClientMessagesTarget : IFuzzTarget
{
    public string Name => "client-messages";

    public string Description => "client: server RPCs, input status, snapshots through NetworkClient dispatch";

    public long AllocationBudget => 4 * 1024 * 1024;

    public void Execute(ReadOnlySpan<byte> input, Probe probe)
    {
        var time = Wire.Clock();
        using var world = World.Create();
        using var transport = new ScriptedTransport(Wire.Peers[0]);
        using var netClient = new NetClient(transport, new NetClientOptions { ProtocolId = Wire.ProtocolId }, time);
        var client = new NetworkClient(world, netClient, FuzzGame.Replicated, 60, time);
        var rpcs = new RpcClient(client, FuzzGame.Rpcs);
        var prediction = new ClientPrediction<FuzzMove, FuzzMoveSerializer>(
            client,
            new Group<float>("predicted"),
            new QueryDescription().WithAll<FuzzBody>(),
            tick => new FuzzMove { X = 0.5f, Fire = tick % 7 == 0 });
        var group = new Group<float>("client", client, prediction);
        group.Initialize();

        var scratch = new byte[4097];
        probe.Begin();
        var r = new FuzzReader(input);
        while (!r.IsEmpty)
        {
            switch (r.Byte() % 4)
            {
                case 0:
                case 1:
                    client.Dispatch(r.Block(4096));
                    break;
                case 2:
                    {
                        // A server RPC, its kind byte fixed, so the fuzzer works on the header and arguments.
                        var data = r.Block(4096);
                        var message = scratch.AsSpan(0, data.Length + 1);
                        message[0] = RpcFormat.ServerRpcMessage;
                        data.CopyTo(message[1..]);
                        client.Dispatch(message);
                        break;
                    }
                default:
                    time.Advance(TimeSpan.FromMilliseconds(r.Byte()));
                    float dt = 1f / 60;
                    group.BeforeUpdate(in dt);
                    group.Update(in dt);
                    group.AfterUpdate(in dt);
                    break;
            }
        }
        probe.End();
        _ = rpcs;
    }

    public IEnumerable<byte[]> Seeds() => Seeding.TrafficSeeds.ClientMessages();
}
