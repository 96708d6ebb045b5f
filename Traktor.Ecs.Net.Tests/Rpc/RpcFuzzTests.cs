using Traktor.Ecs.Net.Rpc;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>Random RPC messages never throw out of the receive path, and every one is accounted for.</summary>
public class RpcFuzzTests
{
    [Fact]
    public void TenThousandRandomRpcMessagesAreAllAccountedForAndHonestTrafficFlows()
    {
        using var setup = new RpcWorld(new LinkConditions(), new RpcOptions { RatePerSecond = 100_000, Burst = 100_000 });
        setup.ServerRpcs.AllowFromClients<FireCommand>().AllowFromClients<OrderedPing>();
        var commands = new RpcRecorder<FireCommand>(setup.ServerWorld);
        setup.ServerGroup.Add(commands);
        var fuzzer = setup.Connect(1, seed: 2);
        var honest = setup.Connect(2, seed: 3);
        var random = new Random(7);
        int typeCount = RpcWorld.Rpcs.Types.Count;

        for (int tick = 0; tick < 100; tick++)
        {
            for (int i = 0; i < 100; i++)
            {
                var message = new byte[random.Next(1, 40)];
                random.NextBytes(message);
                message[0] = RpcFormat.ClientRpcMessage;
                if (message.Length >= 3 && random.Next(2) == 0)
                {
                    message[1] = (byte)random.Next(typeCount + 2); // mostly known types, so payload decoding is exercised
                    message[2] = 0;
                }

                fuzzer.Client.Transport.Send(ChannelKind.ReliableUnordered, message);
            }

            honest.World.SendRpc(new FireCommand { Weapon = tick }, RpcTarget.Server);
            setup.Tick();
        }

        setup.Tick(20);
        Assert.True(setup.ServerRpcs.TryGetCounters(setup.ConnectionOf(1), out var fuzzed));
        Assert.Equal(10_000, fuzzed.Received + fuzzed.Dropped);
        Assert.True(fuzzed.DroppedFor(RpcDropReason.Malformed) > 0);
        Assert.True(fuzzed.DroppedFor(RpcDropReason.UnknownType) > 0);
        Assert.True(fuzzed.DroppedFor(RpcDropReason.WrongDirection) > 0);
        Assert.Equal(Enumerable.Range(0, 100), commands.Received.Where(c => c.Source.Connection == setup.ConnectionOf(2)).Select(c => c.Rpc.Weapon));
        Assert.Equal(2, setup.Server.Connections.Count);
        Assert.Equal(0, setup.Harness.Server.Counters.InternalErrors);
    }
}
