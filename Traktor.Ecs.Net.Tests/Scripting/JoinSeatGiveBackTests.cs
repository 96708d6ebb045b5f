using System.Net;
using Traktor.Ecs.Net.Scripting;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Tests.Replication;
using Traktor.Ecs.Net.Tests.Sessions;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Scripting;

/// <summary>
/// A <c>multiplayer:joinSession</c> given up (its script unloaded) after the directory seated the player gives the seat
/// back, as <see cref="Multiplayer.JoinSessionAsync"/> does when cancelled. Before, the seat stayed taken until the
/// directory found it idle: a script reloaded in a loop held a session's seats (and the player was "in" a session it never
/// reached).
/// </summary>
public sealed partial class JoinSeatGiveBackTests
{
    private const ulong ProtocolId = 0x5452_4b54;

    [Fact]
    public async Task A_join_given_up_while_connecting_gives_its_seat_back_and_stops_connecting()
    {
        var sessions = Directory();
        var session = await sessions.CreateSessionAsync(new SessionOptions("Silent", 4), TestContext.Current.CancellationToken);
        using var world = World.Create();
        var client = Client(world);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 }, world: world);
        var script = host.Load("join.lua", $"multiplayer:joinSession(\"{session.Id}\")\n");
        host.TickUntil(() => client.Transport.State == ClientState.SendingRequest); // seated; the server never answers
        Assert.Equal(1, await PlayerCount(sessions, session.Id));

        Assert.True(host.System.Unload(script));

        await WaitUntilEmpty(sessions, session.Id);
        Assert.Equal(ClientState.Disconnected, client.Transport.State);
        Assert.Empty(script.Errors);
    }

    [Fact]
    public async Task A_join_given_up_while_the_directory_answers_gives_back_the_seat_it_took()
    {
        var inner = Directory();
        var sessions = new SeatThenHang(inner);
        var session = await inner.CreateSessionAsync(new SessionOptions("Slow", 4), TestContext.Current.CancellationToken);
        using var world = World.Create();
        Client(world);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 }, world: world);
        var script = host.Load("join.lua", $"multiplayer:joinSession(\"{session.Id}\")\n");
        host.TickUntil(() => sessions.Seated.Task.IsCompleted); // the directory seated the player; its answer has not come
        Assert.Equal(1, await PlayerCount(inner, session.Id));

        Assert.True(host.System.Unload(script));

        await WaitUntilEmpty(inner, session.Id);
        Assert.Empty(script.Errors);
    }

    /// <summary>
    /// A failed entry's <c>__close</c> handler that calls <c>joinSession</c>: the call is issued, then cannot yield there (no
    /// yield across the close), so it must be given up with the entry. Failed before (review30): the issued join stayed
    /// live until some other entry ended — the player seated in a session the script never heard of.
    /// </summary>
    [Fact]
    public async Task A_join_called_by_a_failed_entrys_close_handler_is_given_up_with_the_entry()
    {
        var inner = Directory();
        var sessions = new SeatThenHang(inner);
        var session = await inner.CreateSessionAsync(new SessionOptions("Closing", 4), TestContext.Current.CancellationToken);
        using var world = World.Create();
        Client(world);
        using var host = new ScriptHost(new ScriptServices { Sessions = sessions, PlayerId = 42 }, world: world);
        var script = host.Load("close.lua", $$"""
            do
              local seat <close> = setmetatable({}, { __close = function() multiplayer:joinSession("{{session.Id}}") end })
              error("boom")
            end
            """);
        host.Tick(30);

        await WaitUntilEmpty(inner, session.Id);
        Assert.Contains(script.Errors, e => e.Message.Contains("boom", StringComparison.Ordinal));
    }

    private static InProcessSessions Directory() => new(
        new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = ProtocolId },
        [IPEndPoint.Parse("127.0.0.1:9")]); // nothing answers there: the client stays connecting

    private static NetworkClient Client(World world) =>
        new(world, new NetClient(new InMemoryNetwork().CreateTransport(), new NetClientOptions { ProtocolId = ProtocolId }), ReplicationWorld.Registry);

    private static async Task<int> PlayerCount(ISessions sessions, SessionId id) =>
        (await sessions.GetSessionAsync(id, TestContext.Current.CancellationToken))?.PlayerCount ?? 0;

    private static async Task WaitUntilEmpty(ISessions sessions, SessionId id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await PlayerCount(sessions, id) != 0 && DateTime.UtcNow < deadline) await Task.Delay(10, TestContext.Current.CancellationToken);
        Assert.Equal(0, await PlayerCount(sessions, id));
    }

    /// <summary>A directory that seats the player, then does not answer until the call is cancelled (its answer lost).</summary>
    private sealed class SeatThenHang(ISessions inner) : JoinAlteringSessions(inner)
    {
        public TaskCompletionSource Seated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default)
        {
            var result = await Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);
            Assert.True(result.Succeeded);
            Seated.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return result;
        }
    }
}
