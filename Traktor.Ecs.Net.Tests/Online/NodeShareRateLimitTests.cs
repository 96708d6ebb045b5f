using System.Net;
using Traktor.Ecs.Net.Backend;
using Traktor.Ecs.Net.Backend.Configuration;

namespace Traktor.Ecs.Net.Tests.Online;

/// <summary>
/// The per-address request budget is split between backend nodes (<c>Online:NodeCount</c>): each node holds its share in
/// memory, so a load balancer spreading one client over N nodes gives it the configured budget in total.
/// </summary>
public sealed class NodeShareRateLimitTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Fires a burst of concurrent requests at one node and counts how many were not refused with 429.</summary>
    private static async Task<int> AcceptedOfBurstAsync(BackendTestServer node, int requests)
    {
        var http = node.CreateHttpClient();
        var responses = await Task.WhenAll(Enumerable.Range(0, requests)
            .Select(_ => http.GetAsync("v1/leaderboards/missing/entries", Cancel)));
        int accepted = responses.Count(response => response.StatusCode != HttpStatusCode.TooManyRequests);
        foreach (var response in responses)
        {
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to retry");
            }
            response.Dispose();
        }
        return accepted;
    }

    [Fact]
    public async Task Each_of_two_nodes_enforces_half_of_the_per_address_budget()
    {
        // 4 requests per second per address over 2 nodes: a bucket of 2 per node, refilled one permit per 500 ms.
        await using var first = await BackendTestServer.StartAsync(null, null, "--Online:RequestsPerSecondPerAddress=4", "--Online:NodeCount=2");
        await using var second = await BackendTestServer.StartAsync(null, null, "--Online:RequestsPerSecondPerAddress=4", "--Online:NodeCount=2");
        int acceptedByFirst = await AcceptedOfBurstAsync(first, 10);
        int acceptedBySecond = await AcceptedOfBurstAsync(second, 10);

        // A burst takes far less than a refill period on an idle machine; one refill of slack for a loaded one.
        Assert.InRange(acceptedByFirst, 2, 3);
        Assert.InRange(acceptedBySecond, 2, 3);
    }

    [Fact]
    public async Task A_single_node_enforces_the_whole_per_address_budget()
    {
        await using var node = await BackendTestServer.StartAsync(null, null, "--Online:RequestsPerSecondPerAddress=4", "--Online:NodeCount=1");
        int accepted = await AcceptedOfBurstAsync(node, 10);
        Assert.InRange(accepted, 4, 6);
    }

    [Fact]
    public async Task A_node_count_above_the_budget_is_a_configuration_error()
    {
        var error = await Assert.ThrowsAsync<BackendConfigurationException>(() =>
            BackendTestServer.StartAsync(null, null, "--Online:RequestsPerSecondPerAddress=4", "--Online:NodeCount=5"));
        Assert.Contains("Online:NodeCount", error.Message, StringComparison.Ordinal);
    }
}
