using System.Net;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Sessions;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Sessions;

/// <summary>
/// <see cref="PlayerSessionHost.ClaimAsync(IPlayerHostedSessions, SessionId, long, byte[], long, TimeSpan?, TimeProvider?, Microsoft.Extensions.Logging.ILogger?, CancellationToken)"/>
/// names the host it takes over from. Before, a peer-mesh claim named no host and was judged against whoever hosted the
/// session by then: a second successor (its peers elected it while the first had already taken over in the directory)
/// kept retrying and, once the new host had been silent past its publish grace and turns, took the session from it.
/// </summary>
public sealed class PlayerSessionHostClaimTests : DirectoryOnFakeClockTests
{
    private static readonly IPEndPoint Address = IPEndPoint.Parse("198.51.100.1:5000");

    [Fact]
    public async Task A_claim_naming_the_lost_host_is_refused_once_another_successor_hosts_and_is_not_retried()
    {
        var sessions = Services.Sessions!;
        long host = (await Services.Authentication.RegisterAsync("claim-lost-host", Password, Cancel)).UserId;
        long first = (await Services.Authentication.RegisterAsync("claim-first", Password, Cancel)).UserId;
        long second = (await Services.Authentication.RegisterAsync("claim-second", Password, Cancel)).UserId;
        var grant = await sessions.CreatePlayerHostedSessionAsync(new SessionOptions("coop", 4), host, Cancel);
        var id = grant.Session.Id;
        Assert.True((await sessions.HostHeartbeatAsync(id, host, [Address], [], Cancel)).Live);
        Assert.True((await sessions.JoinSessionAsync(id, first, Cancel)).Succeeded);
        Assert.True((await sessions.JoinSessionAsync(id, second, Cancel)).Succeeded);
        Assert.True((await sessions.HostHeartbeatAsync(id, host, [Address], [first, second], Cancel)).Live);

        // The host dies; the first successor takes the session over (it has not published its address yet).
        Time.Advance(TimeSpan.FromSeconds(5));
        await sessions.ReportHostLostAsync(id, second, Cancel);
        await using var firstHost = await PlayerSessionHost.ClaimAsync(sessions, id, first, ConnectTokenIssuer.GenerateServerKey(), host, time: Time,
            cancellationToken: Cancel);

        // The second player's peers elected it (it lost the first too): its claim names the host it lost, the old one.
        var claim = PlayerSessionHost.ClaimAsync(sessions, id, second, ConnectTokenIssuer.GenerateServerKey(), host, time: Time, cancellationToken: Cancel);
        for (int i = 0; i < 300 && !claim.IsCompleted; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(100));   // past the first's publish grace and every turn: silence alone would grant it
            await Task.Delay(2, Cancel);
        }

        Assert.True(claim.IsCompleted, "the claim is still retrying");
        var refused = await Assert.ThrowsAsync<OnlineException>(() => claim);
        Assert.Equal(OnlineError.Conflict, refused.Error);
        Assert.Equal(OnlineProblemTypes.HostChanged, refused.ProblemType);
        Assert.Equal(first, (await sessions.GetSessionAsync(id, Cancel))!.HostUserId);   // the recorded host, which the player follows
    }
}
