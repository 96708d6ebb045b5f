using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Traktor.Ecs.Net.Backend.Http;
using Traktor.Ecs.Net.Online;
using Traktor.Ecs.Net.Tests.Diagnostics;

namespace Traktor.Ecs.Net.Tests.Online.Backend;

/// <summary>
/// A backend node's own instruments (docs/DEPLOY.md) record what the real host, on Kestrel, answered: requests by route
/// and outcome, the per-address limit's refusals, credentials refused and why, and how long the store took. The meters
/// are static and other backends in parallel tests feed them, so each count here is a lower bound of this test's own
/// (<see cref="RefreshRefusalMetricsTests"/> counts exactly, running alone).
/// </summary>
public sealed class BackendMetricsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_refusals_credentials_and_store_latency_are_measured()
    {
        using var recorder = new MeasurementRecorder(BackendMetrics.MeterName, OnlineMetrics.MeterName);
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:RequestsPerSecondPerAddress=20");
        var http = server.CreateHttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/health/ready", Cancel)).StatusCode);
        var registered = await http.PostAsJsonAsync("v1/auth/register", new { username = "metered", password = "correct horse battery" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/no/such/route/" + Guid.NewGuid(), Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, request => request.Headers.Add(OnlineBackendClient.ServerKeyHeader, "not-the-key"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, request => request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "forged"))).StatusCode);

        // A burst past the bucket (20 a second, refilled every 100 ms): refused with 429 once it is spent. At least 60, and
        // on until one is refused: a loaded machine's Debug requests (~40 ms each) may refill it nearly as fast as they spend it.
        int refused = 0, sent = 0;
        while (sent < 60 || refused == 0 && sent < 2_000)
        {
            if ((await SendAsync(http, null)).StatusCode == HttpStatusCode.TooManyRequests) refused++;
            sent++;
        }
        Assert.True(refused > 0, $"a burst of {sent} was never refused");

        const string sessions = "GET /v1/sessions";
        Assert.Contains(recorder.Of("traktor.backend.requests"), m => Is(m, BackendMetrics.RouteTag, "GET /v1/health/ready") && Is(m, BackendMetrics.OutcomeTag, "ok"));
        Assert.Contains(recorder.Of("traktor.backend.requests"), m => Is(m, BackendMetrics.RouteTag, "POST /v1/auth/register") && Is(m, BackendMetrics.OutcomeTag, "ok"));
        // An unknown path is not a tag value: a client choosing paths would choose the series.
        Assert.Contains(recorder.Of("traktor.backend.requests"), m => Is(m, BackendMetrics.RouteTag, "unmatched") && Is(m, BackendMetrics.OutcomeTag, "client_error"));
        Assert.DoesNotContain(recorder.Measurements, m => m.Tags.Values.OfType<string>().Any(value => value.Contains("no/such", StringComparison.Ordinal)));
        AtLeast(recorder, "traktor.backend.requests", 3 + sent - refused, (BackendMetrics.RouteTag, sessions), (BackendMetrics.OutcomeTag, "unauthorized"));
        AtLeast(recorder, "traktor.backend.requests", refused, (BackendMetrics.RouteTag, sessions), (BackendMetrics.OutcomeTag, "rate_limited"));
        AtLeast(recorder, "traktor.backend.rate_limited", refused, (BackendMetrics.RouteTag, sessions), (BackendMetrics.LimitTag, "rate"));
        foreach (string reason in new[] { "missing", "server_key", "access_token" })
        {
            Assert.Contains(recorder.Of("traktor.backend.auth_failures"), m => Is(m, BackendMetrics.ReasonTag, reason));
        }

        // The readiness check read the store and the registration wrote it; each took some time, in seconds.
        var store = recorder.Of("traktor.online.store.duration");
        Assert.Contains(store, m => Is(m, OnlineMetrics.StoreTag, "sqlite") && Is(m, OnlineMetrics.OperationTag, "read"));
        Assert.Contains(store, m => Is(m, OnlineMetrics.StoreTag, "sqlite") && Is(m, OnlineMetrics.OperationTag, "write"));
        Assert.All(store, m => Assert.InRange(m.Value, 0, 60));
        Assert.Empty(recorder.UnconventionalTags());
    }

    [Fact]
    public async Task Store_latency_is_measured_on_PostgreSQL()
    {
        await using var schema = await PostgresSchema.CreateAsync();
        using var recorder = new MeasurementRecorder(OnlineMetrics.MeterName);
        await using var server = await BackendTestServer.StartAsync(null, null, "--Online:Database=postgres", $"--Online:ConnectionString={schema.ConnectionString}");
        var http = server.CreateHttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("v1/health/ready", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("v1/auth/register", new { username = "measured", password = "correct horse battery" }, Cancel)).StatusCode);

        // The readiness check read the store and the registration wrote it, each a unit of PostgreSQL work with its duration.
        var store = recorder.Of("traktor.online.store.duration").Where(m => Is(m, OnlineMetrics.StoreTag, "postgresql")).ToList();
        Assert.Contains(store, m => Is(m, OnlineMetrics.OperationTag, "read"));
        Assert.Contains(store, m => Is(m, OnlineMetrics.OperationTag, "write"));
        Assert.All(store, m => Assert.InRange(m.Value, 0, 60));
        Assert.Contains(store, m => m.Value > 0);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Action<HttpRequestMessage>? credentials)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/sessions");
        credentials?.Invoke(request);
        return await http.SendAsync(request, Cancel);
    }

    private static bool Is(RecordedMeasurement measurement, string tag, string value) =>
        measurement.Tags.GetValueOrDefault(tag) as string == value;

    /// <summary>The instrument's measurements with every one of <paramref name="tags"/> add up to at least <paramref name="expected"/>.</summary>
    private static void AtLeast(MeasurementRecorder recorder, string instrument, int expected, params (string Tag, string Value)[] tags)
    {
        var all = recorder.Of(instrument);
        double sum = all.Where(m => tags.All(tag => Is(m, tag.Tag, tag.Value))).Sum(m => m.Value);
        Assert.True(sum >= expected, $"{instrument} with {string.Join(", ", tags)}: {sum}, expected at least {expected}; recorded: " +
            string.Join("; ", all.Select(m => m.ToString()).Distinct()));
    }
}
