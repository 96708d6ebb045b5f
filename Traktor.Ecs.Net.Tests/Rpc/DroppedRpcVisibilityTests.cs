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
}

/// <summary>Tests that redirect <see cref="Console.Error"/> do not run beside each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleErrorCollection
{
    public const string Name = "Console.Error";
}
