using Microsoft.AspNetCore.Http.Features;
using Traktor.Ecs.Net.Transport.WebSockets;

namespace Traktor.Ecs.Net.Web.Transport;

/// <summary>
/// Put in place of the request's upgrade feature before the WebSocket middleware takes it, so the stream the server's
/// WebSocket reads is a <see cref="WebSocketFrameBudgetStream"/> with the budget of the channel the endpoint admitted
/// (set as <see cref="Budget"/> before it accepts). Without a budget (a request that was not admitted) nothing is wrapped.
/// </summary>
internal sealed class WebSocketFrameBudgetUpgrade(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    /// <summary>The admitted channel's budget; set by the endpoint before it accepts the WebSocket.</summary>
    public WebSocketFrameBudget? Budget { get; set; }

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = await inner.UpgradeAsync().ConfigureAwait(false);
        return Budget is { } budget ? new WebSocketFrameBudgetStream(stream, budget) : stream;
    }
}
