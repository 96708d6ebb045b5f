using System.Buffers.Binary;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Replication.Server;
using Traktor.Ecs.Net.Serialization;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Prediction;

/// <summary>The view tick a client claims cannot rewind lag compensation further than the server allows.</summary>
public class LagCompensationBoundTests
{
    [Fact]
    public void AClaimedViewFarInThePastIsClampedToTheRewindLimit() => ClampsAClaimOfTickZeroToTwelveTicksBack(afterMade: null);

    /// <summary>
    /// The server's inputs keep a copy of their options (options3): the caller raising <see cref="ServerInputOptions{TInput}.MaxRewindTicks"/>
    /// on its object after the server started does not let a client rewind further. Failed before (ServerInputs keeping
    /// the caller's object): the claim of tick 0 was rewound to tick 0.
    /// </summary>
    [Fact]
    public void ChangingTheOptionsAfterTheServerStartedDoesNotReachTheRunningServer() =>
        ClampsAClaimOfTickZeroToTwelveTicksBack(afterMade: options => options.MaxRewindTicks = 1000);

    private static void ClampsAClaimOfTickZeroToTwelveTicksBack(Action<ServerInputOptions<MoveInput>>? afterMade)
    {
        using var setup = new ReplicationWorld(new LinkConditions(), new ServerReplicationOptions());
        var options = new ServerInputOptions<MoveInput> { MaxRewindTicks = 12 };
        var inputs = new ServerInputs<MoveInput, MoveInputSerializer>(setup.Server, options);
        afterMade?.Invoke(options);
        setup.ServerGroup.Add(inputs);
        var slowTarget = setup.ServerWorld.Create(new SlowMarker()); // drawn further back than the view tick
        ConnectionId? connection = null;
        setup.Server.ClientConnected += (c, _) => connection = c;
        var client = setup.AddClient(1, seed: 71);
        Assert.True(setup.TickUntil(() => connection is not null && client.Transport.State == ClientState.Connected, 600));

        setup.Tick(100);

        // A forged input message: for a tick a little ahead, claiming to have seen tick 0.
        uint target = inputs.CurrentTick + 3;
        var message = new byte[64];
        message[0] = 0x70;
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(1), target);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(5), 0);
        message[9] = 0;
        message[10] = 1;
        var writer = new BitWriter(message.AsSpan(11));
        var fire = new MoveInput { Fire = true };
        MoveInputSerializer.Write(ref writer, in fire);
        Assert.Equal(SendResult.Queued, client.Transport.Send(ChannelKind.ReliableOrdered, message.AsSpan(0, 11 + writer.BytesWritten)));

        Assert.True(setup.TickUntil(() => inputs.CurrentTick == target, 60));
        Assert.True(inputs.TryGetInput(connection!.Value, out var input) && input.Fire, "the input did not arrive in time");
        Assert.True(target > 50);
        Assert.Equal(target - 12.0, inputs.ViewTick(connection.Value));
        Assert.True(setup.Server.Replication.ViewLagTicks(connection.Value, slowTarget) > 0);
        Assert.Equal(target - 12.0, inputs.ViewTick(connection.Value, slowTarget));
    }
}
