using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>Who may do what over HTTP: players with bearer tokens, game servers with server keys, nobody without either.</summary>
public sealed class HttpBackendAccessTests
{
    private const string Password = "correct horse battery";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(OnlineBackendClient Client, AuthSession Session)> PlayerAsync(BackendTestServer server, string name)
    {
        var client = server.CreateBackendClient(asServer: false);
        var auth = new HttpAuthentication(client);
        await auth.RegisterAsync(name, Password, Cancel);
        var session = await auth.LoginAsync(name, Password, Cancel);
        Assert.Same(session, client.Session);
        return (client, session);
    }

    private static async Task AssertErrorAsync(OnlineError expected, Func<Task> action) =>
        Assert.Equal(expected, (await Assert.ThrowsAsync<OnlineException>(action)).Error);

    [Fact]
    public async Task A_player_acts_only_on_their_own_data()
    {
        await using var server = await BackendTestServer.StartAsync();
        var (alice, aliceSession) = await PlayerAsync(server, "alice");
        var (_, bobSession) = await PlayerAsync(server, "bob");
        var saves = new HttpCloudSave(alice);
        var serverBoards = new HttpLeaderboards(server.CreateBackendClient());
        await serverBoards.DefineLeaderboardAsync(new LeaderboardDefinition("open"), Cancel);

        await saves.PutAsync(aliceSession.UserId, "mine", new byte[] { 1 }, cancellationToken: Cancel);
        Assert.Single(await saves.ListAsync(aliceSession.UserId, Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => saves.PutAsync(bobSession.UserId, "theirs", new byte[] { 1 }, cancellationToken: Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => saves.GetAsync(bobSession.UserId, "theirs", Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpAchievements(alice).GetAchievementsAsync(bobSession.UserId, Cancel));
        var boards = new HttpLeaderboards(alice);
        await boards.SubmitScoreAsync(new ScoreSubmission("open", aliceSession.UserId, 10), Cancel);
        await AssertErrorAsync(OnlineError.Forbidden, () => boards.SubmitScoreAsync(new ScoreSubmission("open", bobSession.UserId, 10), Cancel));
        // Reading boards is open to every signed-in player.
        Assert.Equal(aliceSession.UserId, (await boards.GetRankAsync("open", aliceSession.UserId, cancellationToken: Cancel))!.UserId);
    }

    [Fact]
    public async Task Definitions_authoritative_boards_and_server_only_achievements_need_a_server_key()
    {
        await using var server = await BackendTestServer.StartAsync();
        var (player, session) = await PlayerAsync(server, "carol");
        var gameServer = server.CreateBackendClient();
        await new HttpLeaderboards(gameServer).DefineLeaderboardAsync(new LeaderboardDefinition("ranked", Authoritative: true), Cancel);
        await new HttpAchievements(gameServer).DefineAchievementAsync(new AchievementDefinition("boss", "Boss", ServerOnly: true), Cancel);
        await new HttpAchievements(gameServer).DefineAchievementAsync(new AchievementDefinition("jump", "Jump"), Cancel);

        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpLeaderboards(player).DefineLeaderboardAsync(new LeaderboardDefinition("mine"), Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpAchievements(player).DefineAchievementAsync(new AchievementDefinition("mine", "Mine"), Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpLeaderboards(player).SubmitScoreAsync(new ScoreSubmission("ranked", session.UserId, 1_000_000), Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpAchievements(player).UnlockAchievementAsync("boss", session.UserId, Cancel));
        await AssertErrorAsync(OnlineError.Forbidden, () => new HttpAuthentication(player).RevokeUserSessionsAsync(session.UserId, Cancel));
        Assert.True((await new HttpAchievements(player).UnlockAchievementAsync("jump", session.UserId, Cancel)).NewlyUnlocked);

        Assert.Equal(5, (await new HttpLeaderboards(gameServer).SubmitScoreAsync(new ScoreSubmission("ranked", session.UserId, 5), Cancel)).Entry.Score);
        Assert.True((await new HttpAchievements(gameServer).UnlockAchievementAsync("boss", session.UserId, Cancel)).NewlyUnlocked);
    }

    [Fact]
    public async Task Hidden_achievements_are_redacted_for_players_until_unlocked()
    {
        await using var server = await BackendTestServer.StartAsync();
        var (player, session) = await PlayerAsync(server, "dave");
        var gameServer = new HttpAchievements(server.CreateBackendClient());
        await gameServer.DefineAchievementAsync(new AchievementDefinition("secret", "Secret Room", "Find the room behind the waterfall", Hidden: true), Cancel);

        var hidden = Assert.Single(await new HttpAchievements(player).GetAchievementsAsync(session.UserId, Cancel));
        Assert.True(hidden.Hidden);
        Assert.Equal("", hidden.Name);
        Assert.Equal("", hidden.Description);
        Assert.Equal("Secret Room", (await gameServer.GetAchievementsAsync(session.UserId, Cancel))[0].Name);

        await new HttpAchievements(player).UnlockAchievementAsync("secret", session.UserId, Cancel);
        Assert.Equal("Secret Room", (await new HttpAchievements(player).GetAchievementsAsync(session.UserId, Cancel))[0].Name);
    }

    [Fact]
    public async Task Missing_bogus_forged_expired_and_revoked_credentials_are_answered_401()
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        await using var server = await BackendTestServer.StartAsync(time);
        var (player, session) = await PlayerAsync(server, "erin");
        var http = server.CreateHttpClient();
        string path = $"v1/users/{session.UserId}/saves";

        async Task<HttpStatusCode> GetAsync(Action<HttpRequestHeaders> headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            headers(request.Headers);
            using var response = await http.SendAsync(request, Cancel);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await GetAsync(h => h.Authorization = new("Bearer", session.AccessToken)));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(_ => { }));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(h => h.Add(OnlineBackendClient.ServerKeyHeader, "guessed-server-key-0000000000")));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(h => h.Authorization = new("Bearer", session.AccessToken[..^2] + "xx")));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(h => h.Authorization = new("Basic", "ZXJpbjpjb3JyZWN0")));

        var second = await new HttpAuthentication(server.CreateBackendClient(asServer: false)).LoginAsync("erin", Password, Cancel);
        await new HttpAuthentication(server.CreateBackendClient()).RevokeUserSessionsAsync(session.UserId, Cancel);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(h => h.Authorization = new("Bearer", second.AccessToken)));
        await AssertErrorAsync(OnlineError.Unauthorized, () => new HttpCloudSave(player).ListAsync(session.UserId, Cancel));

        var third = await new HttpAuthentication(server.CreateBackendClient(asServer: false)).LoginAsync("erin", Password, Cancel);
        Assert.Equal(HttpStatusCode.OK, await GetAsync(h => h.Authorization = new("Bearer", third.AccessToken)));
        time.Advance(OnlineTestSettings.AccessTokenLifetime);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync(h => h.Authorization = new("Bearer", third.AccessToken)));
    }

    [Fact]
    public async Task Logout_ends_the_clients_session()
    {
        await using var server = await BackendTestServer.StartAsync();
        var (player, session) = await PlayerAsync(server, "frank");
        await new HttpAuthentication(player).LogoutAsync(session.AccessToken, Cancel);
        Assert.Null(player.Session);
        player.Session = session;
        await AssertErrorAsync(OnlineError.Unauthorized, () => new HttpCloudSave(player).ListAsync(session.UserId, Cancel));
    }

    [Fact]
    public async Task Conflicts_are_409_and_version_conflicts_412()
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

        using (var first = await http.PostAsync("v1/auth/register", Json("""{"username":"gina","password":"correct horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }
        using (var taken = await http.PostAsync("v1/auth/register", Json("""{"username":"gina","password":"other password"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            Assert.Contains("\"conflict\"", await taken.Content.ReadAsStringAsync(Cancel));
        }
        using (var created = await http.PutAsync("v1/users/1/saves/s", Json("""{"data":"AQ==","expectedVersion":"*"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }
        using (var again = await http.PutAsync("v1/users/1/saves/s", Json("""{"data":"Ag==","expectedVersion":"*"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, again.StatusCode);
            Assert.Contains("\"version_conflict\"", await again.Content.ReadAsStringAsync(Cancel));
        }
        using (var stale = await http.DeleteAsync("v1/users/1/saves/s?expectedVersion=0123", Cancel))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        }
    }

    [Fact]
    public async Task A_player_client_refreshes_its_session_before_the_access_token_expires()
    {
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        await using var server = await BackendTestServer.StartAsync(time);
        var client = new OnlineBackendClient(server.CreateHttpClient(), time: time);
        var auth = new HttpAuthentication(client);
        var account = await auth.RegisterAsync("gwen", Password, Cancel);
        var first = await auth.LoginAsync("gwen", Password, Cancel);
        var saves = new HttpCloudSave(client);

        time.Advance(OnlineTestSettings.AccessTokenLifetime - TimeSpan.FromSeconds(30));
        // Several calls at once must share one refresh: two with the same single-use token would revoke the session.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => saves.ListAsync(account.UserId, Cancel)));
        var renewed = client.Session!;
        Assert.NotEqual(first.AccessToken, renewed.AccessToken);
        Assert.Equal(time.GetUtcNow() + OnlineTestSettings.AccessTokenLifetime, renewed.AccessTokenExpiresAt);

        // A caller still holding the old session's refresh token gets the current session, not a revocation.
        Assert.Same(renewed, await auth.RefreshAsync(first.RefreshToken, Cancel));
        time.Advance(TimeSpan.FromMinutes(5));
        await saves.ListAsync(account.UserId, Cancel);

        client.AutoRefresh = false;
        time.Advance(OnlineTestSettings.AccessTokenLifetime);
        await AssertErrorAsync(OnlineError.Unauthorized, () => saves.ListAsync(account.UserId, Cancel));
    }
}
