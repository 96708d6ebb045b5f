using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Sessions.Directory;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// Every route that reads a JSON body, fed what an attacker from the open internet sends instead of a body: wrong
/// JSON types, nulls where values belong (and inside lists and maps), numbers beyond every integer, nesting past the
/// depth limit, strings past every length limit, missing fields, invalid UTF-8, a body past the size limit, random
/// bytes. Each answer is a 4xx with a typed problem body (or a success, for a body that happens to be well-formed); never a
/// 500, and the backend keeps serving.
/// </summary>
public sealed class BackendMalformedBodyTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Session = "0123456789abcdef0123456789abcdef";

    /// <summary>Every route with a JSON body (the session and fleet routes with the directory configured).</summary>
    private static readonly (HttpMethod Method, string Path)[] Routes =
    [
        (HttpMethod.Post, "v1/auth/register"),
        (HttpMethod.Post, "v1/auth/login"),
        (HttpMethod.Post, "v1/auth/register-or-login"),
        (HttpMethod.Post, "v1/auth/refresh"),
        (HttpMethod.Put, "v1/leaderboards/board"),
        (HttpMethod.Post, "v1/leaderboards/board/scores"),
        (HttpMethod.Put, "v1/achievements/medal"),
        (HttpMethod.Post, "v1/achievements/medal/unlock"),
        (HttpMethod.Post, "v1/achievements/medal/progress"),
        (HttpMethod.Put, "v1/users/1/saves/slot"),
        (HttpMethod.Post, "v1/sessions"),
        (HttpMethod.Post, "v1/sessions/quick-join"),
        (HttpMethod.Post, $"v1/sessions/{Session}/join"),
        (HttpMethod.Post, $"v1/sessions/{Session}/leave"),
        (HttpMethod.Post, "v1/sessions/player-hosted"),
        (HttpMethod.Post, $"v1/sessions/{Session}/host-heartbeat"),
        (HttpMethod.Post, $"v1/sessions/{Session}/claim-host"),
        (HttpMethod.Post, $"v1/sessions/{Session}/release-host"),
        (HttpMethod.Post, $"v1/sessions/{Session}/host-lost"),
        (HttpMethod.Post, "v1/fleet/servers"),
        (HttpMethod.Post, "v1/fleet/servers/server-1/heartbeat"),
    ];

    /// <summary>Every field name of every body, so one body reaches each route's fields.</summary>
    private static readonly string[] Fields =
    [
        "username", "password", "refreshToken", "id", "name", "description", "threshold", "hidden", "serverOnly", "sortOrder",
        "operator", "resetSchedule", "authoritative", "minScore", "maxScore", "maxChangePerSubmission", "userId", "score",
        "idempotencyKey", "metadata", "amount", "data", "expectedVersion", "maxPlayers", "visibility", "properties", "filter",
        "create", "hostUserId", "session", "addresses", "connectedPlayers", "hostKey", "maxSessions", "draining",
        "tickMilliseconds", "sessions", "nameContains", "onlyWithFreeSlots", "sessionId", "connected", "reason",
    ];

    private static string Every(string value) => "{" + string.Join(",", Fields.Select(f => $"\"{f}\":{value}")) + "}";

    /// <summary>Well-formed values everywhere, except <paramref name="field"/>, which gets <paramref name="value"/>.</summary>
    private static string Plausible(string field, string value)
    {
        var values = new Dictionary<string, string>
        {
            ["username"] = "\"attacker\"", ["password"] = "\"correct horse battery\"", ["refreshToken"] = "\"x\"", ["id"] = "\"board\"",
            ["name"] = "\"n\"", ["userId"] = "1", ["hostUserId"] = "1", ["score"] = "1", ["amount"] = "1", ["data"] = "\"AAAA\"",
            ["maxPlayers"] = "4", ["maxSessions"] = "4", ["addresses"] = "[\"127.0.0.1:4000\"]", ["connectedPlayers"] = "[1]",
            ["hostKey"] = "\"AAAA\"", ["create"] = "{\"name\":\"n\",\"maxPlayers\":4}", ["session"] = "{\"name\":\"n\",\"maxPlayers\":4}",
            ["sessions"] = "[]", ["tickMilliseconds"] = "1",
        };
        values[field] = value;
        return "{" + string.Join(",", values.Select(p => $"\"{p.Key}\":{p.Value}")) + "}";
    }

    public static IEnumerable<(string Name, byte[] Body)> Corpus()
    {
        static (string, byte[]) Text(string name, string json) => (name, Encoding.UTF8.GetBytes(json));
        yield return Text("null", "null");
        yield return Text("an array", "[]");
        yield return Text("a string", "\"body\"");
        yield return Text("a number", "5");
        yield return Text("an empty object", "{}");
        yield return Text("cut off", "{\"userId\":1,");
        yield return Text("every field null", Every("null"));
        yield return Text("every field a string", Every("\"x\""));
        yield return Text("every field a number", Every("1"));
        yield return Text("every field an object", Every("{}"));
        yield return Text("every field an array", Every("[]"));
        yield return Text("every field an array of null", Every("[null]"));
        yield return Text("every field a map to null", Every("{\"k\":null}"));
        yield return Text("every field true", Every("true"));
        yield return Text("every field 1e400", Every("1e400"));
        yield return Text("every field -1e400", Every("-1e400"));
        yield return Text("every field 2^64", Every("18446744073709551616"));
        yield return Text("every field long.MinValue", Every("-9223372036854775808"));
        yield return Text("every field 0.5", Every("0.5"));
        yield return Text("every field NaN", Every("\"NaN\""));
        yield return Text("every field 10 kB", Every("\"" + new string('a', 10_000) + "\""));
        yield return Text("every field a 64-deep array", Every(new string('[', 64) + new string(']', 64)));
        yield return Text("nested 10,000 deep", new string('[', 10_000) + new string(']', 10_000));
        yield return Text("a duplicate key", "{\"userId\":1,\"userId\":2}");
        yield return ("invalid UTF-8", [.. "{\"username\":\""u8, 0xC3, 0x28, 0xFF, .. "\",\"password\":\"correct horse\"}"u8]);
        yield return ("a NUL byte", [0]);
        foreach (var field in Fields.Where(f => f is not ("id" or "description" or "threshold")))
        {
            yield return Text($"{field}: null", Plausible(field, "null"));
            yield return Text($"{field}: [null]", Plausible(field, "[null]"));
            yield return Text($"{field}: {{\"k\":null}}", Plausible(field, "{\"k\":null}"));
            yield return Text($"{field}: {{\"name\":null}}", Plausible(field, "{\"name\":null,\"maxPlayers\":4,\"properties\":{\"k\":null}}"));
            yield return Text($"{field}: [{{}}]", Plausible(field, "[{}]"));
            yield return Text($"{field}: [{{\"sessionId\":null,\"connected\":null}}]", Plausible(field, "[{\"sessionId\":null,\"connected\":null}]"));
        }
    }

    [Fact]
    public async Task Every_malformed_body_on_every_route_is_a_typed_4xx_never_a_500()
    {
        await using var server = await BackendTestServer.StartAsync(extraArgs: DirectoryTestSettings.BackendArgs);
        var http = server.CreateHttpClient();
        var failures = new List<string>();
        foreach (var (name, body) in Corpus())
        {
            foreach (var (method, path) in Routes)
            {
                var (status, problem) = await SendAsync(http, method, path, body);
                if (!Answered(status, problem)) failures.Add($"{method} {path} with {name}: {status} {problem?.Type} {problem?.Detail}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        using var live = await http.GetAsync("v1/health/live", Cancel);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task A_body_past_the_size_limit_is_413_on_every_route()
    {
        await using var server = await BackendTestServer.StartAsync(extraArgs: [.. DirectoryTestSettings.BackendArgs, "--Online:MaxRequestBodyBytes=4096"]);
        var http = server.CreateHttpClient();
        var body = Encoding.UTF8.GetBytes("{\"username\":\"" + new string('a', 8192) + "\"}");
        foreach (var (method, path) in Routes)
        {
            var (status, problem) = await SendAsync(http, method, path, body);
            Assert.True(status == 413 && problem?.Type == OnlineProblemTypes.BodyTooLarge, $"{method} {path}: {status} {problem?.Type}");
        }
    }

    [Fact]
    public async Task Random_bodies_on_every_route_are_never_a_500()
    {
        await using var server = await BackendTestServer.StartAsync(extraArgs: DirectoryTestSettings.BackendArgs);
        var http = server.CreateHttpClient();
        // JSON-ish text built from the fields' names and hostile values, plus raw bytes.
        var value = Gen.OneOf("null", "1", "-1", "1e400", "0.5", "\"x\"", "true", "[]", "[null]", "{}", "{\"k\":null}", "[1,2]", "\"AAAA\"", "9223372036854775808");
        var member = Gen.Select(Gen.OneOf(Fields), value, (f, v) => $"\"{f}\":{v}");
        var json = member.Array[0, 8].Select(members => "{" + string.Join(",", members) + "}");
        var body = Gen.Frequency((3, json.Select(Encoding.UTF8.GetBytes)), (1, Gen.Byte.Array[0, 64]));
        var route = Gen.Int[0, Routes.Length - 1];
        await Gen.Select(route, body).SampleAsync(async (index, bytes) =>
        {
            var (method, path) = Routes[index];
            var (status, problem) = await SendAsync(http, method, path, bytes);
            Assert.True(Answered(status, problem), $"{method} {path}: {status} {problem?.Detail}");
        }, iter: 400, threads: 1, print: sample => $"{Routes[sample.Item1].Path}: {Encoding.UTF8.GetString(sample.Item2)}");
    }

    /// <summary>
    /// A body that happens to be well-formed may succeed (or find no game server with room: a typed 503, as no game
    /// server is registered); anything else is a 4xx with a typed problem body. Never a 500.
    /// </summary>
    private static bool Answered(int status, ProblemBody? problem) =>
        status is >= 200 and < 300
        || (status is >= 400 and < 500 or 503 && problem is not null && problem.Status == status && problem.Type != OnlineProblemTypes.InternalError);

    private static async Task<(int Status, ProblemBody? Problem)> SendAsync(HttpClient http, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        using var response = await http.SendAsync(request, Cancel);
        string text = await response.Content.ReadAsStringAsync(Cancel);
        ProblemBody? problem = null;
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            try
            {
                problem = JsonSerializer.Deserialize(text, OnlineJsonContext.Default.ProblemBody);
            }
            catch (JsonException)
            {
            }
        }
        return ((int)response.StatusCode, problem);
    }
}
