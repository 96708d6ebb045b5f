using System.Net;
using System.Net.WebSockets;
using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Traktor.Ecs.Net.Replication;
using Traktor.Ecs.Net.Tests.Replication;

namespace Traktor.Ecs.Net.Tests.Web;

/// <summary>The live profiler's endpoint: what its feed carries, and who may read it.</summary>
public class LiveProfilerTests
{
    private static async Task<List<JsonElement>> ReadFeed(Uri page, int atLeast, Action? between = null)
    {
        using var socket = new ClientWebSocket();
        var feed = new UriBuilder(page) { Scheme = "ws", Path = "/feed" }.Uri;
        await socket.ConnectAsync(feed, TestContext.Current.CancellationToken);
        var samples = new List<JsonElement>();
        var buffer = new byte[1 << 20];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (samples.Count < atLeast)
        {
            between?.Invoke();
            int length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            samples.AddRange(document.RootElement.EnumerateArray().Select(e => e.Clone()));
        }
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        return samples;
    }

    [Fact]
    public async Task The_feed_carries_connections_snapshot_bits_per_component_system_times_entities_and_tracked_values()
    {
        using var setup = new ReplicationWorld(new LinkConditions { LatencyMs = 20 }, new ServerReplicationOptions());
        var ships = new List<Entity>();
        setup.Server.ClientConnected += (connection, clientId) =>
            ships.Add(setup.ServerWorld.Create(new Position2 { Value = new Vector2(clientId, 0) }, new Health { Value = 50 }, new NetworkOwner(connection)));
        setup.AddClient(1, seed: 3);
        setup.AddClient(2, seed: 4);
        Assert.True(setup.TickUntil(() => setup.Harness.Server.ConnectionCount == 2, 600));
        int tracked = 0;
        var time = new FakeTimeProvider();
        using var profiler = LiveProfiler.Start(new LiveProfilerOptions { Time = time })
            .Watch(setup.Harness.Server)
            .Watch(setup.Server.Replication.Counters, ReplicationWorld.Registry)
            .Watch(setup.ServerGroup, "server")
            .Watch(setup.ServerWorld, "server")
            .Track("corrections", () => tracked);
        Assert.Null(profiler.AccessToken);
        Assert.Equal("127.0.0.1", profiler.Url.Host);

        void Play()
        {
            for (int i = 0; i < 15; i++)
            {
                // Moving ships: every snapshot carries Position2 (an unchanged world sends nothing after the first one).
                foreach (var ship in ships) setup.ServerWorld.Get<Position2>(ship).Value += new Vector2(1, 0);
                setup.Tick();
                tracked++;
                time.Advance(TimeSpan.FromMilliseconds(1000.0 / 60));
                profiler.Sample();
            }
        }

        Play();
        var samples = await ReadFeed(profiler.Url, 4, Play);
        var last = samples[^1];
        Assert.Equal(samples.Count, samples.Select(s => s.GetProperty("seq").GetInt64()).Distinct().Count());
        var connections = last.GetProperty("connections").EnumerateArray().ToList();
        Assert.Equal(2, connections.Count);
        Assert.All(connections, c =>
        {
            Assert.Equal("Udp", c.GetProperty("transport").GetString());
            Assert.InRange(c.GetProperty("rttMs").GetDouble(), 30, 200);
            Assert.True(c.GetProperty("kbOutPerSecond").GetDouble() > 0);
        });
        var bits = last.GetProperty("snapshotBitsPerSecond");
        Assert.True(bits.GetProperty(nameof(Position2)).GetDouble() > 0, bits.ToString());
        Assert.True(bits.TryGetProperty(nameof(Health), out _));
        Assert.Contains(last.GetProperty("systems").EnumerateArray(), s => s.GetProperty("name").GetString()!.StartsWith("server/", StringComparison.Ordinal));
        Assert.Equal(setup.ServerWorld.Size, last.GetProperty("entities").GetProperty("server").GetInt32());
        Assert.True(last.GetProperty("values").GetProperty("corrections").GetDouble() > samples[0].GetProperty("values").GetProperty("corrections").GetDouble());
    }

    [Fact]
    public void Samples_are_taken_once_per_interval_whatever_the_tick_rate()
    {
        var time = new FakeTimeProvider();
        using var profiler = LiveProfiler.Start(new LiveProfilerOptions { Time = time, SampleInterval = TimeSpan.FromMilliseconds(250) });
        for (int tick = 0; tick < 60; tick++) // one second at 60 Hz
        {
            profiler.Sample();
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 60));
        }
        Assert.Equal(4, profiler.Samples);
    }

    [Fact]
    public async Task Bound_beyond_loopback_it_demands_the_generated_token()
    {
        using var profiler = LiveProfiler.Start(new LiveProfilerOptions { EndPoint = new IPEndPoint(IPAddress.Any, 0) });
        Assert.NotNull(profiler.AccessToken);
        Assert.True(profiler.AccessToken!.Length >= 20);
        Assert.Contains("token=" + profiler.AccessToken, profiler.Url.Query);
        using var http = new HttpClient();
        var bare = new UriBuilder(profiler.Url) { Query = "" }.Uri;
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(bare, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new UriBuilder(bare) { Query = "token=" + new string('x', profiler.AccessToken.Length) }.Uri, ct)).StatusCode);
        var page = await http.GetAsync(profiler.Url, ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("live profiler", await page.Content.ReadAsStringAsync(ct));
        using var bearer = new HttpRequestMessage(HttpMethod.Get, bare) { Headers = { { "Authorization", "Bearer " + profiler.AccessToken } } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer, ct)).StatusCode);

        using var anonymous = new ClientWebSocket();
        anonymous.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => anonymous.ConnectAsync(new UriBuilder(bare) { Scheme = "ws", Path = "/feed" }.Uri, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.HttpStatusCode);
    }

    [Fact]
    public async Task On_loopback_without_a_token_it_answers_only_loopback_host_names()
    {
        using var profiler = LiveProfiler.Start();
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(profiler.Url, ct)).StatusCode);
        // A page elsewhere that rebinds its own name to 127.0.0.1 sends its own Host: refused.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, profiler.Url) { Headers = { Host = "attacker.example" } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(rebound, ct)).StatusCode);
        using var localhost = new HttpRequestMessage(HttpMethod.Get, profiler.Url) { Headers = { Host = $"localhost:{profiler.Url.Port}" } };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(localhost, ct)).StatusCode);
    }

    [Fact]
    public async Task A_page_of_another_origin_cannot_open_the_feed()
    {
        using var profiler = LiveProfiler.Start();
        var feed = new UriBuilder(profiler.Url) { Scheme = "ws", Path = "/feed" }.Uri;
        var ct = TestContext.Current.CancellationToken;
        using var foreign = new ClientWebSocket();
        foreign.Options.CollectHttpResponseDetails = true;
        foreign.Options.SetRequestHeader("Origin", "http://attacker.example");
        await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(feed, ct));
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.HttpStatusCode);

        // The profiler's own page (same origin) may.
        using var own = new ClientWebSocket();
        own.Options.SetRequestHeader("Origin", $"http://127.0.0.1:{profiler.Url.Port}");
        await own.ConnectAsync(feed, ct);
        Assert.Equal(WebSocketState.Open, own.State);
    }

    [Fact]
    public async Task Viewers_beyond_the_limit_are_refused()
    {
        using var profiler = LiveProfiler.Start(new LiveProfilerOptions { MaxViewers = 1 });
        var feed = new UriBuilder(profiler.Url) { Scheme = "ws", Path = "/feed" }.Uri;
        var ct = TestContext.Current.CancellationToken;
        using var first = new ClientWebSocket();
        await first.ConnectAsync(feed, ct);
        using var second = new ClientWebSocket();
        second.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => second.ConnectAsync(feed, ct));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.HttpStatusCode);
        Assert.Equal(1, profiler.Viewers);
    }
}
