using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Rpc;

/// <summary>
/// A dropped RPC is never silent (issue 15, item 7: a forgotten <c>AllowFromClients</c> without a logger looked
/// like a lost message): the counter counts every drop, and without a logger the first drop of each reason is
/// written once to the standard error, naming the type and the call that accepts it.
/// </summary>
[Collection(ConsoleErrorCollection.Name)]
public class DroppedRpcVisibilityTests
{
    [Fact]
    public void WithoutALoggerTheFirstDropOfAReasonIsWrittenOnceToStandardErrorAndEveryDropIsCounted()
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            using var setup = new RpcWorld(new LinkConditions(), withLogger: false);
            var player = setup.Connect(1, seed: 2);
            for (int i = 0; i < 3; i++)
            {
                player.World.SendRpc(new FireCommand { Weapon = i }, RpcTarget.Server); // never allowed from clients
                setup.Tick(5);
            }

            Assert.True(setup.TickUntil(() => setup.ServerRpcs.Counters.DroppedFor(RpcDropReason.WrongDirection) == 3, 120));
        }
        finally
        {
            Console.SetError(original);
        }

        string text = captured.ToString();
        Assert.Contains("AllowFromClients<FireCommand>()", text, StringComparison.Ordinal);
        Assert.Equal(1, text.Split("AllowFromClients<FireCommand>()").Length - 1);
    }

    /// <summary>
    /// A client's RPC sent before its connection exists (a greeting on the first tick) used to vanish as
    /// <c>SendFailed</c> with nothing said: it is counted as <see cref="RpcDropReason.NotConnected"/> and, without a
    /// logger, named once on the standard error with what to do.
    /// </summary>
    [Fact]
    public void AClientRpcSentBeforeTheConnectionExistsIsCountedAsNotConnectedAndNamedOnceOnStandardError()
    {
        var original = Console.Error;
        var captured = new StringWriter();
        Console.SetError(captured);
        RpcCounters counters;
        try
        {
            using var setup = new RpcWorld(new LinkConditions());
            setup.ServerRpcs.AllowFromClients<OrderedPing>();
            var player = setup.AddClient(1, seed: 2);
            for (int i = 0; i < 2; i++)
            {
                player.World.SendRpc(new OrderedPing { Index = (uint)i }, RpcTarget.Server);   // still connecting
                setup.Tick();
            }

            Assert.NotEqual(ClientState.Connected, player.Client.Transport.State);
            Assert.True(setup.TickUntil(() => player.Client.Transport.State == ClientState.Connected, 600));
            player.World.SendRpc(new OrderedPing { Index = 2 }, RpcTarget.Server);
            Assert.True(setup.TickUntil(() => setup.ServerRpcs.Counters.Received == 1, 120));
            counters = player.Rpcs.Counters;
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(2, counters.DroppedFor(RpcDropReason.NotConnected));
        Assert.Equal(0, counters.DroppedFor(RpcDropReason.SendFailed));
        Assert.Equal(1, counters.Sent);
        string text = captured.ToString();
        Assert.Equal(1, text.Split("an outgoing OrderedPing was dropped: the client is not connected").Length - 1);
        Assert.Contains("ConnectedEvent", text, StringComparison.Ordinal);
        // The same text reaches a Lua game's console, where no ConnectedEvent exists: it names the Lua cue too.
        Assert.Contains("multiplayer:joinSession", text, StringComparison.Ordinal);
    }
}

/// <summary>Tests that redirect <see cref="Console.Error"/> do not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleErrorCollection
{
    public const string Name = "Console.Error";
}
