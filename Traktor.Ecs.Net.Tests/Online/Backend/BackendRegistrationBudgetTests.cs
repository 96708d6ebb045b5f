using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Online.Authentication;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// <c>Online:AccountsPerAddressPerDay</c> over HTTP: before it, an address could register 30 accounts a minute (the
/// sign-in budget), about 1.3 million a month, each a row and a password hash.
/// </summary>
public sealed class BackendRegistrationBudgetTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Credentials(string name) => new($$"""{"username":"{{name}}","password":"correct horse"}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Past_its_daily_accounts_an_address_is_answered_429_registration_limited_before_any_hash()
    {
        // One hashing slot and no queue: were the budget taken after the hash, an occupied slot would answer 503 busy.
        await using var server = await BackendTestServer.StartAsync(new FakeTimeProvider(OnlineTestSettings.Start), null,
            "--Online:AccountsPerAddressPerDay=2", "--Online:MaxConcurrentPasswordHashes=1", "--Online:MaxQueuedPasswordHashes=0");
        var http = server.CreateHttpClient();
        foreach (string name in new[] { "first", "second" })
        {
            using var created = await http.PostAsync("v1/auth/register", Credentials(name), Cancel);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        await using (await server.OccupyHashingAsync())
        {
            foreach (string route in new[] { "v1/auth/register", "v1/auth/register-or-login" })
            {
                using var refused = await http.PostAsync(route, Credentials("third"), Cancel);
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.Equal(TimeSpan.FromHours(12), refused.Headers.RetryAfter?.Delta);
                Assert.Contains(OnlineProblemTypes.RegistrationLimited, await refused.Content.ReadAsStringAsync(Cancel));
            }
        }

        // The HTTP client reads it as a typed error; a game server with a server key is not counted; logins go on.
        var player = new HttpAuthentication(server.CreateBackendClient(asServer: false));
        var error = await Assert.ThrowsAsync<OnlineException>(() => player.RegisterAsync("third", "correct horse", Cancel));
        Assert.Equal(OnlineError.RateLimited, error.Error);
        Assert.Equal(OnlineProblemTypes.RegistrationLimited, error.ProblemType);
        Assert.Equal(TimeSpan.FromHours(12), error.RetryAfter);
        await new HttpAuthentication(server.CreateBackendClient()).RegisterAsync("by-a-game-server", "correct horse", Cancel);
        await player.LoginAsync("first", "correct horse", Cancel);
        using var existing = await http.PostAsync("v1/auth/register-or-login", Credentials("second"), Cancel);
        Assert.Equal(HttpStatusCode.OK, existing.StatusCode);
    }

    [Fact]
    public async Task The_accounts_budget_of_an_address_holds_across_two_nodes_on_one_database()
    {
        await using var schema = await PostgresSchema.CreateAsync();
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        string[] args = ["--Online:Database=postgres", $"--Online:ConnectionString={schema.ConnectionString}", "--Online:AccountsPerAddressPerDay=3"];
        await using var first = await BackendTestServer.StartAsync(time, null, args);
        await using var second = await BackendTestServer.StartAsync(time, null, args);
        var nodes = new[] { first.CreateHttpClient(), second.CreateHttpClient() };
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            using var response = await nodes[i % 2].PostAsync("v1/auth/register", Credentials($"spread{i}"), Cancel);
            statuses.Add(response.StatusCode);
        }
        // Three in total, not three per node.
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}
