using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Tests.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// A refused refresh token is counted as a credential failure (<c>traktor.backend.auth_failures</c>) under the reason it
/// was refused for, each refusal checked right after it happens: a dashboard telling stolen tokens (<c>refresh_reused</c>)
/// from stale ones must not get one reason for another. Kestrel handles the requests on threads that do not flow this
/// test's context, so its recorder cannot tell this backend's measurements from another's: the class runs alone
/// (<see cref="ProcessWideMetricsCollection"/>), and every count here is exact.
/// </summary>
[Collection(ProcessWideMetricsCollection.Name)]
public sealed class RefreshRefusalMetricsTests
{
    private const string AuthFailures = "traktor.backend.auth_failures";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Each_refused_refresh_token_is_counted_once_under_its_own_reason()
    {
        using var recorder = new MeasurementRecorder(BackendMetrics.MeterName);
        var time = new FakeTimeProvider(OnlineTestSettings.Start);
        // One session per account: signing in again deletes the older one, so a token can name a session that is gone. Refresh
        // tokens live a minute, well inside the hourly maintenance that would delete an expired session (leaving it unknown).
        await using var server = await BackendTestServer.StartAsync(time, null, "--Online:MaxSessionsPerAccount=1", "--Online:RefreshTokenLifetimeSeconds=60");
        var http = server.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("v1/auth/register", new { username = "rotating", password = "correct horse battery" }, Cancel)).StatusCode);

        // The count is made before the answer is written, so it is there when the answer arrives.
        await RefreshAsync(http, recorder, "r1.not-signed.AAAA", "refresh_invalid");
        var first = await LoginAsync(http);
        await RefreshAsync(http, recorder, first.Refresh, null);
        await RefreshAsync(http, recorder, first.Refresh, "refresh_reused");
        var second = await LoginAsync(http);
        using (var logout = new HttpRequestMessage(HttpMethod.Post, "v1/auth/logout"))
        {
            logout.Headers.Authorization = new AuthenticationHeaderValue("Bearer", second.Access);
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(logout, Cancel)).StatusCode);
        }
        await RefreshAsync(http, recorder, second.Refresh, "refresh_revoked");
        var third = await LoginAsync(http); // deletes the second session
        await RefreshAsync(http, recorder, second.Refresh, "refresh_unknown");
        time.Advance(TimeSpan.FromSeconds(61));
        await RefreshAsync(http, recorder, third.Refresh, "refresh_expired");

        // Still answered (and counted) as what they are: refusals of the refresh route. The request is counted once its
        // answer is written, so the last one's count may come a moment after the client read it.
        const string route = "POST /v1/auth/refresh";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Requests(recorder, route, "unauthorized") < 5 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, Cancel);
        }
        Assert.Equal(5, Requests(recorder, route, "unauthorized"));
        Assert.Equal(1, Requests(recorder, route, "ok"));
    }

    private static async Task<(string Access, string Refresh)> LoginAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("v1/auth/login", new { username = "rotating", password = "correct horse battery" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var session = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return (session.GetProperty("accessToken").GetString()!, session.GetProperty("refreshToken").GetString()!);
    }

    /// <summary>Refreshes with <paramref name="token"/>: refused, counted once under <paramref name="reason"/>; or, null, accepted and not counted.</summary>
    private static async Task RefreshAsync(HttpClient http, MeasurementRecorder recorder, string token, string? reason)
    {
        int before = recorder.Of(AuthFailures).Count;
        using var response = await http.PostAsJsonAsync("v1/auth/refresh", new { refreshToken = token }, Cancel);
        Assert.Equal(reason is null ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, response.StatusCode);
        var counted = recorder.Of(AuthFailures).Skip(before).ToList();
        Assert.All(counted, m => Assert.Equal(1, m.Value));
        Assert.Equal(reason is null ? [] : [reason], counted.Select(m => m.Tags.GetValueOrDefault(BackendMetrics.ReasonTag) as string));
    }

    private static double Requests(MeasurementRecorder recorder, string route, string outcome) =>
        recorder.Of("traktor.backend.requests")
            .Where(m => m.Tags.GetValueOrDefault(BackendMetrics.RouteTag) as string == route && m.Tags.GetValueOrDefault(BackendMetrics.OutcomeTag) as string == outcome)
            .Sum(m => m.Value);
}
