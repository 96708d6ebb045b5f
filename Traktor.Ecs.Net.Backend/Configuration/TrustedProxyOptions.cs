namespace Traktor.Ecs.Net.Backend.Configuration;

/// <summary>
/// The <c>Online:ForwardedHeaders</c> section: the load balancers or reverse proxies in front of the backend. Only
/// a request that arrives from one of them has its <c>X-Forwarded-For</c> (and <c>X-Forwarded-Proto</c>) believed,
/// so rate limits and login throttling count the real client; from anywhere else the header is ignored, so a client
/// cannot pick its own address. Empty (the default) believes nobody: right when clients connect directly.
/// </summary>
public sealed class TrustedProxyOptions
{
    /// <summary>Addresses of trusted proxies, for example <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, for example <c>10.0.0.0/8</c> or <c>fd00::/8</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may have appended to <c>X-Forwarded-For</c> (1: one load balancer).</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether any proxy is trusted.</summary>
    public bool IsConfigured => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}
