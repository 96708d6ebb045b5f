using System.Net;
using System.Security.Cryptography;
using System.Text;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Backend.Configuration;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>Floods, malformed input and unsafe configuration: the backend answers with typed 4xx, never a 500.</summary>
public sealed class HttpBackendHardeningTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<HttpStatusCode> LoginAsync(HttpClient http, string address, string username, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/auth/login") { Content = Json($$"""{"username":"{{username}}","password":"{{password}}"}""") };
        request.Headers.Add("X-Forwarded-For", address);
        using var response = await http.SendAsync(request, Cancel);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says how long to wait");
        }
        return response.StatusCode;
    }

    [Fact]
    public async Task Nobody_can_lock_an_owner_out_from_their_known_address_and_a_spraying_address_only_slows_strangers()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(OnlineTestSettings.Start);
        // The test's connections come from 127.0.0.1, configured as the trusted load balancer; X-Forwarded-For names the player.
        await using var server = await BackendTestServer.StartAsync(time, null,
            "--Online:ForwardedHeaders:KnownProxies:0=127.0.0.1", "--Online:AuthRequestsPerMinutePerAddress=10000");
        var http = server.CreateHttpClient();
        foreach (string name in new[] { "victim", "regular" })
        {
            using var registered = await http.PostAsync("v1/auth/register", Json($$"""{"username":"{{name}}","password":"correct horse"}"""), Cancel);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, await LoginAsync(http, "198.51.100.7", "victim", "correct horse"));
        Assert.Equal(HttpStatusCode.OK, await LoginAsync(http, "203.0.113.99", "regular", "correct horse"));

        // Wrong passwords for the victim from five addresses, more than every free budget.
        for (int address = 1; address <= 5; address++)
        {
            for (int i = 0; i < 8; i++)
            {
                Assert.NotEqual(HttpStatusCode.OK, await LoginAsync(http, $"203.0.113.{address}", "victim", $"guess {i}"));
            }
        }
        // The owner on their usual address is not locked out; from a new address they wait (the guessing slowed down too).
        Assert.Equal(HttpStatusCode.OK, await LoginAsync(http, "198.51.100.7", "victim", "correct horse"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginAsync(http, "192.0.2.9", "victim", "correct horse"));

        // One address spraying unknown names: after its free failures it waits, but a player who logs in from there keeps logging in.
        for (int i = 0; i < 25; i++)
        {
            await LoginAsync(http, "203.0.113.99", $"nobody{i}", "guess guess");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginAsync(http, "203.0.113.99", $"nobody{99}", "guess guess"));
        Assert.Equal(HttpStatusCode.OK, await LoginAsync(http, "203.0.113.99", "regular", "correct horse"));

        // IPv6: one subscriber's /64 is one address, however many addresses in it they use; the next /64 is someone else.
        for (int i = 1; i <= 25; i++)
        {
            await LoginAsync(http, $"2001:db8:1:2::{i:x}", $"ghost{i}", "guess guess");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginAsync(http, "2001:db8:1:2:ffff::1", "ghost0", "guess guess"));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginAsync(http, "2001:db8:1:3::1", "ghost0", "guess guess"));

        // Waits end: after the longest delay the owner logs in from anywhere again.
        time.Advance(OnlineTestSettings.Throttle.MaxDelay + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, await LoginAsync(http, "192.0.2.9", "victim", "correct horse"));
    }

    [Fact]
    public async Task X_Forwarded_For_is_ignored_unless_it_comes_from_a_configured_proxy()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AuthRequestsPerMinutePerAddress=3");
        var http = server.CreateHttpClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            // A client inventing a new address per request gets no fresh budget.
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/auth/refresh") { Content = Json("""{"refreshToken":"nope"}""") };
            request.Headers.Add("X-Forwarded-For", $"192.0.2.{i + 1}");
            using var response = await http.SendAsync(request, Cancel);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task The_request_rate_limiter_answers_429_with_Retry_After_and_spares_game_servers()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AuthRequestsPerMinutePerAddress=3");
        var http = server.CreateHttpClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            using var response = await http.PostAsync("v1/auth/refresh", Json("""{"refreshToken":"nope"}"""), Cancel);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.True(response.Headers.RetryAfter!.Delta!.Value > TimeSpan.Zero);
            }
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);

        var gameServer = new HttpAuthentication(server.CreateBackendClient());
        for (int i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<OnlineException>(() => gameServer.RefreshAsync("nope", Cancel));
            Assert.Equal(OnlineError.Unauthorized, error.Error);
        }
        var limited = await Assert.ThrowsAsync<OnlineException>(() => new HttpAuthentication(server.CreateBackendClient(asServer: false)).RefreshAsync("nope", Cancel));
        Assert.Equal(OnlineError.RateLimited, limited.Error);
        Assert.NotNull(limited.RetryAfter);
    }

    public static TheoryData<string, string, string?, int> MalformedRequests => new()
    {
        { "POST", "v1/auth/register", "{not json", 400 },
        { "POST", "v1/auth/register", "null", 400 },
        { "POST", "v1/auth/register", "[]", 400 },
        { "POST", "v1/auth/register", """{"username":5,"password":true}""", 400 },
        { "POST", "v1/auth/register", """{"username":null,"password":null}""", 400 },
        { "POST", "v1/auth/register", null, 415 },
        { "POST", "v1/auth/login", """{"username":"a","password":"x"}""" + new string(' ', 10), 401 },
        { "PUT", "v1/leaderboards/b", """{"id":"b","sortOrder":99}""", 400 },
        { "PUT", "v1/leaderboards/b", """{"id":"b","operator":"Multiply"}""", 400 },
        { "PUT", "v1/leaderboards/b", """{"id":"c"}""", 400 },
        { "PUT", "v1/leaderboards/b", """{"id":"b","minScore":1e400}""", 400 },
        { "PUT", "v1/leaderboards/b", """{"id":"b","resetSchedule":"* * * *"}""", 400 },
        { "POST", "v1/leaderboards/b/scores", """{"userId":1,"score":99999999999999999999999}""", 400 },
        { "POST", "v1/leaderboards/missing/scores", """{"userId":1,"score":1}""", 404 },
        { "GET", "v1/leaderboards/missing/entries?offset=-5", null, 400 },
        { "GET", "v1/leaderboards/missing/entries?limit=abc", null, 400 },
        { "GET", "v1/leaderboards/missing/entries?period=99999999999999", null, 400 },
        { "GET", "v1/leaderboards/%2e%2e/entries", null, 404 },
        { "GET", "v1/leaderboards/a%2Fb/entries", null, 400 },
        { "GET", "v1/users/notanumber/saves", null, 400 },
        { "GET", "v1/users/99999999999999999999999/saves", null, 400 },
        { "GET", "v1/users/0/saves", null, 400 },
        { "GET", "v1/leaderboards/b/around/x1", null, 400 },
        { "GET", "v1/leaderboards/b/entries?limit=1&limit=2", null, 400 },
        { "DELETE", "v1/leaderboards/b", null, 405 },
        { "PATCH", "v1/users/1/saves/s", """{"data":"AA=="}""", 405 },
        { "PUT", "v1/users/1/saves/s", """{"data":"!!!not base64"}""", 400 },
        { "PUT", "v1/users/1/saves/s", """{"expectedVersion":""}""", 400 },
        { "PUT", "v1/users/1/saves/bad%20slot", """{"data":"AA=="}""", 400 },
        { "PUT", "v1/achievements/a", """{"id":"a","name":"A","threshold":-1}""", 400 },
        { "POST", "v1/achievements/a/progress", """{"userId":1,"amount":0}""", 404 },
        { "DELETE", "v1/users/1/saves/s?expectedVersion=*", null, 400 },
        { "GET", "v1/nothing/here", null, 404 },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task Malformed_requests_get_a_typed_4xx_never_a_500(string method, string path, string? body, int expectedStatus)
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        await new HttpLeaderboards(server.CreateBackendClient()).DefineLeaderboardAsync(new LeaderboardDefinition("b"), Cancel);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = Json(body);
        }
        using var response = await http.SendAsync(request, Cancel);
        Assert.Equal(expectedStatus, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync(Cancel);
        var problem = System.Text.Json.JsonSerializer.Deserialize(text, OnlineJsonContext.Default.ProblemBody)!;
        Assert.Equal(expectedStatus, problem.Status);
        Assert.StartsWith("urn:traktor-ecs-net:problem:", problem.Type);
        Assert.StartsWith("/v1/", problem.Instance);
        Assert.NotEmpty(problem.Code);
        // No .NET type names reach a caller.
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("Int64", text);
        Assert.DoesNotContain("String", text);
    }

    [Fact]
    public async Task Oversized_bodies_are_refused_with_413()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:MaxRequestBodyBytes=4096");
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        string data = Convert.ToBase64String(new byte[8192]);
        using var response = await http.PutAsync("v1/users/1/saves/s", Json($$"""{"data":"{{data}}"}"""), Cancel);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await Assert.ThrowsAsync<OnlineException>(() => new HttpCloudSave(server.CreateBackendClient()).PutAsync(1, "s", new byte[8192], cancellationToken: Cancel));
        Assert.Equal(OnlineError.QuotaExceeded, error.Error);
    }

    [Theory]
    [InlineData("", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData(BackendSecrets.DevelopmentSigningKey, "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("c2hvcnQ=", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("GOOD", "", 19_456)]
    [InlineData("GOOD", BackendSecrets.DevelopmentServerKey, 19_456)]
    [InlineData("GOOD", "short-key", 19_456)]
    [InlineData("GOOD", "good-server-key-0123456789abcdef", 8)]
    // The Development keys in other spellings: a trailing newline (as an environment file leaves it), base64url, spaces, case.
    [InlineData(BackendSecrets.DevelopmentSigningKey + "\n", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("VHJha3Rvci1kZXZlbG9wbWVudC1zaWduaW5nLWtleS1ub3Qtc2VjcmV0IQ", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("VHJha3Rvci1kZXZl bG9wbWVudC1zaWduaW5nLWtleS1ub3Qtc2VjcmV0IQ==", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("GOOD", BackendSecrets.DevelopmentServerKey + "\n", 19_456)]
    [InlineData("GOOD", " TRAKTOR-DEVELOPMENT-SERVER-KEY ", 19_456)]
    // Long enough but not random: 32 zero bytes, a typed sentence, a repeated server key.
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("dGhpcyBpcyBteSB2ZXJ5IHNlY3JldCBzaWduaW5nIGtleSAxMjM=", "good-server-key-0123456789abcdef", 19_456)]
    [InlineData("GOOD", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 19_456)]
    public async Task Outside_Development_the_backend_refuses_to_start_with_default_empty_or_weak_settings(string signingKey, string serverKey, int iterations)
    {
        if (signingKey == "GOOD")
        {
            signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            string[] args =
            [
                "--environment=Production", $"--Online:ConnectionString={Path.Combine(directory, "x.db")}",
                $"--Online:TokenSigningKey={signingKey}", $"--Online:ServerKeys:0={serverKey}", $"--Online:PasswordHashMemoryKiB={iterations}",
            ];
            var refused = await Assert.ThrowsAsync<BackendConfigurationException>(() => BackendHost.BuildAsync(args));
            Assert.StartsWith("The online backend refuses to start", refused.Message);
            if (signingKey.Length > 8)
            {
                Assert.DoesNotContain(signingKey, refused.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }

    [Fact]
    public async Task Outside_Development_the_backend_starts_with_strong_settings()
    {
        string directory = OnlineTestSettings.TempDirectory();
        try
        {
            string[] args =
            [
                "--environment=Production", "--urls=http://127.0.0.1:0", $"--Online:ConnectionString={Path.Combine(directory, "x.db")}",
                $"--Online:TokenSigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}", "--Online:ServerKeys:0=good-server-key-0123456789abcdef",
            ];
            await using var app = await BackendHost.BuildAsync(args);
            Assert.NotNull(app);
        }
        finally
        {
            OnlineTestSettings.DeleteDirectory(directory);
        }
    }
}
