using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
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
        var gate = server.Services.GetRequiredService<AuthenticationService>().Hashing;
        using var release = new ManualResetEventSlim();
        var occupant = Task.Run(() => gate.RunAsync(() => { release.Wait(Cancel); return 0; }, Cancel), Cancel);
        while (gate.Admitted < 1)
        {
            await Task.Delay(1, Cancel);
        }
        try
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
        finally
        {
            release.Set();
            await occupant;
        }
        using var accepted = await http.PostAsync("v1/auth/login", Json("""{"username":"busy","password":"correct horse"}"""), Cancel);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_budget_of_an_address_holds_across_two_nodes_on_one_database()
    {
        string baseConnectionString = PostgresHarness.RequireConnectionString();
        string schema = "t_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(baseConnectionString, $"CREATE SCHEMA {schema}");
        try
        {
            string connectionString = new NpgsqlConnectionStringBuilder(baseConnectionString) { SearchPath = schema }.ConnectionString;
            var time = new FakeTimeProvider(OnlineTestSettings.Start);
            string[] args = ["--Online:Database=postgres", $"--Online:ConnectionString={connectionString}", "--Online:AuthRequestsPerMinutePerAddress=6"];
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
        finally
        {
            await ExecuteAsync(baseConnectionString, $"DROP SCHEMA {schema} CASCADE");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }
}
