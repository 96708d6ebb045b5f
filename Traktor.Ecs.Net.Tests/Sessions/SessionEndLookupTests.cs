using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// The lookup behind <see cref="Multiplayer.SessionEnded"/> and Lua's <c>onSessionEnded</c> always ends in a reason: it
/// ran fire-and-forget and let any directory failure but the known online ones escape, unobserved, so a custom directory
/// (or one disposed at shutdown) throwing once meant the game never heard its session had ended (review35).
/// </summary>
public sealed class SessionEndLookupTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_directory_call_that_throws_is_asked_again_and_the_recorded_reason_reported()
    {
        var (directory, session) = await EndedSessionAsync();
        var flaky = new FailingFirstSessions(directory, new InvalidOperationException("a custom directory's own failure"));

        var reason = await RunAsync(flaky, session, seatReturn: null);

        Assert.Equal(SessionEndReason.ServerLost, reason);
        Assert.Equal(2, flaky.Asked);
    }

    [Fact]
    public async Task A_give_back_that_failed_counts_as_none_and_the_reason_is_still_found()
    {
        var (directory, session) = await EndedSessionAsync();

        var reason = await RunAsync(directory, session, Task.FromException<bool>(new ObjectDisposedException("directory")));

        Assert.Equal(SessionEndReason.ServerLost, reason);
    }

    private static async Task<(InProcessSessions Directory, SessionInfo Session)> EndedSessionAsync()
    {
        var tokens = new SessionTokenOptions { ServerKey = ConnectTokenIssuer.GenerateServerKey(), ProtocolId = 1 };
        var directory = new InProcessSessions(tokens, [IPEndPoint.Parse("127.0.0.1:40000")]);
        var session = await directory.CreateSessionAsync(new SessionOptions("ended", 4), Cancel);
        Assert.True(directory.End(session.Id, SessionEndReason.ServerLost));
        return (directory, session);
    }

    // A zero poll interval and a long wait: the answer comes from asking again, not from the wait running out.
    private static Task<SessionEndReason> RunAsync(ISessions directory, SessionInfo session, Task<bool>? seatReturn) =>
        SessionEndLookup.RunAsync(directory, session, player: 7, seatReturn, TimeSpan.FromHours(1), TimeSpan.Zero,
            new FakeTimeProvider(), NullLogger.Instance, Cancel);

    private sealed class FailingFirstSessions(ISessions inner, Exception failure) : JoinAlteringSessions(inner)
    {
        public int Asked { get; private set; }

        public override Task<SessionJoinResult> JoinSessionAsync(SessionId id, long userId, string playerName, CancellationToken cancellationToken = default) =>
            Inner.JoinSessionAsync(id, userId, playerName, cancellationToken);

        public override Task<SessionInfo?> GetSessionAsync(SessionId id, CancellationToken cancellationToken = default) =>
            ++Asked == 1 ? Task.FromException<SessionInfo?>(failure) : Inner.GetSessionAsync(id, cancellationToken);
    }
}
