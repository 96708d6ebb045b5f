using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Traktor.Ecs.Net.Online;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>HTTP as clients and tools expect it: problem details, 405/415/400, accurate Retry-After, ETags, an OpenAPI document that matches the routes.</summary>
public sealed class BackendHttpConventionsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<ProblemBody> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(Cancel), OnlineJsonContext.Default.ProblemBody)!;
    }

    [Fact]
    public async Task A_wrong_method_is_405_with_Allow_and_a_missing_content_type_is_415()
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();

        using var wrongMethod = await http.DeleteAsync("v1/auth/login", Cancel);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("POST", wrongMethod.Content.Headers.Allow);
        var problem = await ProblemAsync(wrongMethod);
        Assert.Equal(OnlineProblemTypes.MethodNotAllowed, problem.Type);
        Assert.Equal(405, problem.Status);

        using var noContentType = await http.PostAsync("v1/auth/register", new ByteArrayContent("""{"username":"a","password":"correct horse"}"""u8.ToArray()), Cancel);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noContentType.StatusCode);
        Assert.Equal(OnlineProblemTypes.UnsupportedMediaType, (await ProblemAsync(noContentType)).Type);
        using var text = await http.PostAsync("v1/auth/register", new StringContent("username=a", Encoding.UTF8, "text/plain"), Cancel);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        using var unknown = await http.GetAsync("v1/no/such/route", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(OnlineProblemTypes.NoSuchRoute, (await ProblemAsync(unknown)).Type);
    }

    [Fact]
    public async Task A_malformed_body_names_where_it_broke_and_never_a_dotnet_type()
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();
        using var response = await http.PostAsync("v1/auth/register", Json("""{"username":5,"password":"correct horse"}"""), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(OnlineProblemTypes.MalformedBody, problem.Type);
        Assert.Equal("invalid_argument", problem.Code);
        Assert.Contains("$.username", problem.Detail);
        Assert.DoesNotContain("System", problem.Detail);
        Assert.Equal("/v1/auth/register", problem.Instance);
        Assert.Equal("Malformed request body", problem.Title);
    }

    [Fact]
    public async Task An_unknown_board_is_not_found_on_every_route_and_the_client_reads_its_definition_as_null()
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        foreach (string path in new[] { "v1/leaderboards/nope", "v1/leaderboards/nope/entries", "v1/leaderboards/nope/ranks/1", "v1/leaderboards/nope/periods" })
        {
            using var response = await http.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var problem = await ProblemAsync(response);
            Assert.Equal(OnlineProblemTypes.NotFound, problem.Type);
            Assert.Equal("not_found", problem.Code);
        }
        var boards = new HttpLeaderboards(server.CreateBackendClient());
        Assert.Null(await boards.GetLeaderboardDefinitionAsync("nope", Cancel));
        var error = await Assert.ThrowsAsync<OnlineException>(() => boards.GetRankAsync("nope", 1, cancellationToken: Cancel));
        Assert.Equal(OnlineError.NotFound, error.Error);
        Assert.Equal(OnlineProblemTypes.NotFound, error.ProblemType);
    }

    [Fact]
    public async Task Retry_After_says_when_the_next_request_is_accepted_not_a_whole_window()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:AuthRequestsPerMinutePerAddress=30");
        var http = server.CreateHttpClient();
        HttpResponseMessage? limited = null;
        for (int i = 0; i < 40 && limited is null; i++)
        {
            var response = await http.PostAsync("v1/auth/refresh", Json("""{"refreshToken":"nope"}"""), Cancel);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        Assert.NotNull(limited);
        using (limited)
        {
            // 30 a minute is one every 2 s: the wait is about 2 s, not the 60 s of a fixed window.
            var wait = limited.Headers.RetryAfter!.Delta!.Value;
            Assert.InRange(wait, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
            var problem = await ProblemAsync(limited);
            Assert.Equal(OnlineProblemTypes.RateLimited, problem.Type);
            Assert.Equal((int)wait.TotalSeconds, problem.RetryAfterSeconds);
        }
    }

    [Fact]
    public async Task Cloud_save_speaks_ETag_If_Match_and_If_None_Match()
    {
        await using var server = await BackendTestServer.StartAsync();
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Add(OnlineBackendClient.ServerKeyHeader, BackendTestServer.ServerKey);
        long user = (await new HttpAuthentication(server.CreateBackendClient()).RegisterAsync("etag", "correct horse", Cancel)).UserId;
        string slot = $"v1/users/{user}/saves/profile";

        async Task<HttpResponseMessage> PutAsync(string data, Action<HttpRequestHeaders>? headers = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, slot) { Content = Json($$"""{"data":"{{data}}"}""") };
            headers?.Invoke(request.Headers);
            return await http.SendAsync(request, Cancel);
        }

        using (var missing = await PutAsync("AQ==", h => h.IfMatch.Add(EntityTagHeaderValue.Any)))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, missing.StatusCode); // If-Match: * needs an existing slot
        }
        using var created = await PutAsync("AQ==", h => h.IfNoneMatch.Add(EntityTagHeaderValue.Any));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var first = created.Headers.ETag!;
        Assert.False(first.IsWeak);
        using (var again = await PutAsync("Ag==", h => h.IfNoneMatch.Add(EntityTagHeaderValue.Any)))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, again.StatusCode);
            Assert.Equal(OnlineProblemTypes.VersionConflict, (await ProblemAsync(again)).Type);
        }

        using (var read = await http.GetAsync(slot, Cancel))
        {
            Assert.Equal(first, read.Headers.ETag);
        }
        using (var notModified = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, slot) { Headers = { IfNoneMatch = { first } } }, Cancel))
        {
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(first, notModified.Headers.ETag);
        }

        using var second = await PutAsync("Aw==", h => h.IfMatch.Add(first));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.NotEqual(first, second.Headers.ETag);
        // The lost update the issue found: a writer still holding the first version must not overwrite the second.
        using (var stale = await PutAsync("BA==", h => h.IfMatch.Add(first)))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        }
        using (var staleDelete = await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, slot) { Headers = { IfMatch = { first } } }, Cancel))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        }
        var saved = await new HttpCloudSave(server.CreateBackendClient()).GetAsync(user, "profile", Cancel);
        Assert.Equal(new byte[] { 3 }, saved!.Data);
        Assert.Equal(second.Headers.ETag!.Tag, "\"" + saved.Entry.Version + "\"");
    }

    [Fact]
    public async Task A_backend_that_requires_preconditions_refuses_a_blind_write_with_428()
    {
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:RequireCloudSavePreconditions=true");
        var saves = new HttpCloudSave(server.CreateBackendClient());
        long user = (await new HttpAuthentication(server.CreateBackendClient()).RegisterAsync("careful", "correct horse", Cancel)).UserId;
        var blind = await Assert.ThrowsAsync<OnlineException>(() => saves.PutAsync(user, "s", new byte[] { 1 }, CloudSaveVersion.Any, Cancel));
        Assert.Equal(OnlineProblemTypes.PreconditionRequired, blind.ProblemType);
        Assert.Equal(OnlineError.InvalidArgument, blind.Error);
        var created = await saves.PutAsync(user, "s", new byte[] { 1 }, CloudSaveVersion.IfAbsent, Cancel);
        var replaced = await saves.PutAsync(user, "s", new byte[] { 2 }, created.Version, Cancel);
        Assert.True(await saves.DeleteAsync(user, "s", replaced.Version, Cancel));
    }

    [Fact]
    public async Task The_OpenAPI_document_the_routes_and_the_API_docs_list_the_same_operations()
    {
        await using var server = await BackendTestServer.StartAsync();
        using var response = await server.CreateHttpClient().GetAsync("v1/openapi.json", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        var documented = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                documented.Add($"{operation.Name.ToUpperInvariant()} {Normalize(path.Name)}");
            }
        }

        var routed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            string pattern = Normalize("/" + endpoint.RoutePattern.RawText!.Trim('/'));
            if (pattern == "/v1/openapi.json")
            {
                continue; // the document does not describe itself
            }
            foreach (string method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routed.Add($"{method} {pattern}");
            }
        }

        var inDocs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(ApiDocsPath()))
        {
            var heading = System.Text.RegularExpressions.Regex.Match(line, @"^### `(GET|PUT|POST|DELETE|PATCH) (/v1/[^`?]*)");
            if (heading.Success)
            {
                inDocs.Add($"{heading.Groups[1].Value} {Normalize(heading.Groups[2].Value)}");
            }
        }

        Assert.Equal(routed, documented);
        Assert.Equal(routed, inDocs);
        // Request bodies are described, so a generated client knows what to send.
        Assert.True(document.RootElement.GetProperty("paths").GetProperty("/v1/auth/login").GetProperty("post").TryGetProperty("requestBody", out _));
    }

    // Parameter names differ between the docs ({id}) and the routes ({leaderboardId}); only the shape matters.
    private static string Normalize(string path) => System.Text.RegularExpressions.Regex.Replace(path.TrimEnd('/'), @"\{[^}]+\}", "{}");

    private static string ApiDocsPath()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "docs", "ONLINE-API.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("docs/ONLINE-API.md was not found above the test's folder.");
    }
}
