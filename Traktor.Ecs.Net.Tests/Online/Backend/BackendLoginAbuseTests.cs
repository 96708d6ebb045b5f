using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>Password hashing cannot eat the node, and the sign-in budget holds across nodes.</summary>
public sealed class BackendLoginAbuseTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task When_every_hashing_slot_is_busy_a_login_is_answered_503_with_Retry_After_and_health_still_answers()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:MaxConcurrentPasswordHashes=1", "--Online:MaxQueuedPasswordHashes=0");
        var http = server.CreateHttpClient();
        using (var registered = await http.PostAsync("v1/auth/register", Json("""{"username":"busy","password":"correct horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        await using (await server.OccupyHashingAsync())
        {
            using var refused = await http.PostAsync("v1/auth/login", Json("""{"username":"busy","password":"correct horse"}"""), Cancel);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            Assert.Contains(OnlineProblemTypes.Busy, await refused.Content.ReadAsStringAsync(Cancel));
            var client = await Assert.ThrowsAsync<OnlineException>(() => new HttpAuthentication(server.CreateBackendClient(asServer: false)).LoginAsync("busy", "correct horse", Cancel));
            Assert.Equal(OnlineError.Unavailable, client.Error);
            Assert.NotNull(client.RetryAfter);
            using var live = await http.GetAsync("v1/health/live", Cancel);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        using var accepted = await http.PostAsync("v1/auth/login", Json("""{"username":"busy","password":"correct horse"}"""), Cancel);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task A_login_refused_as_busy_is_not_counted_as_a_failed_login()
    {
        // A client that asks again after 503 busy must not lock its address (or the account) out: the refusal checked no
        // password, so it is no evidence of guessing. One free failure each: a single counted refusal would show.
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:MaxConcurrentPasswordHashes=1", "--Online:MaxQueuedPasswordHashes=0",
            "--Online:LoginFreeFailuresPerAccountAndAddress=1", "--Online:LoginFreeFailuresPerAddress=1", "--Online:LoginFreeFailuresPerAccount=1");
        var http = server.CreateHttpClient();
        using (var registered = await http.PostAsync("v1/auth/register", Json("""{"username":"crowded","password":"correct horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        await using (await server.OccupyHashingAsync())
        {
            for (int i = 0; i < 5; i++)
            {
                using var refused = await http.PostAsync("v1/auth/login", Json("""{"username":"crowded","password":"wrong horse"}"""), Cancel);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }
        }
        // The first failure that checked a password is still a free one, and the right password is let in after it.
        using (var wrong = await http.PostAsync("v1/auth/login", Json("""{"username":"crowded","password":"wrong horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var right = await http.PostAsync("v1/auth/login", Json("""{"username":"crowded","password":"correct horse"}"""), Cancel);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Registering_a_taken_name_is_answered_409_without_waiting_for_a_hashing_slot()
    {
        // A client that registers before its first login (Multiplayer's RegisterIfMissing) registers on every login; the
        // taken name is answered before any hash, so a returning player is not told "busy" nor costs the node a hash.
        // The answer is the one registration always gave (409), so no name is revealed that was not before.
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:MaxConcurrentPasswordHashes=1", "--Online:MaxQueuedPasswordHashes=0");
        var http = server.CreateHttpClient();
        using (var registered = await http.PostAsync("v1/auth/register", Json("""{"username":"Taken","password":"correct horse"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        await using (await server.OccupyHashingAsync())
        {
            using var taken = await http.PostAsync("v1/auth/register", Json("""{"username":"tAKEN","password":"another horse"}"""), Cancel);
            Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
            using var fresh = await http.PostAsync("v1/auth/register", Json("""{"username":"fresh","password":"another horse"}"""), Cancel);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, fresh.StatusCode);   // a new name still needs its hash
        }
    }

    [Fact]
    public async Task The_sign_in_budget_of_an_address_holds_across_two_nodes_on_one_database()
    {
        await using var schema = await PostgresSchema.CreateAsync();
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        string[] args = ["--Online:Database=postgres", $"--Online:ConnectionString={schema.ConnectionString}", "--Online:AuthRequestsPerMinutePerAddress=6"];
        await using var first = await BackendTestServer.StartAsync(time, null, args);
        await using var second = await BackendTestServer.StartAsync(time, null, args);
        var nodes = new[] { first.CreateHttpClient(), second.CreateHttpClient() };
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 12; i++)
        {
            using var response = await nodes[i % 2].PostAsync("v1/auth/refresh", Json("""{"refreshToken":"nope"}"""), Cancel);
            statuses.Add(response.StatusCode);
        }
        // Six in total, not six per node.
        Assert.Equal(6, statuses.Count(status => status == HttpStatusCode.Unauthorized));
        Assert.Equal(6, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        Assert.All(statuses.Take(6), status => Assert.Equal(HttpStatusCode.Unauthorized, status));

        // 6 a minute is one every 10 s: after 10 s exactly one more is let through, on either node.
        time.Advance(TimeSpan.FromSeconds(10));
        using (var one = await nodes[1].PostAsync("v1/auth/refresh", Json("""{"refreshToken":"nope"}"""), Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, one.StatusCode);
        }
        using var limited = await nodes[0].PostAsync("v1/auth/refresh", Json("""{"refreshToken":"nope"}"""), Cancel);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), limited.Headers.RetryAfter!.Delta);
    }
}
