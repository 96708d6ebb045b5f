using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Traktor.Ecs.Net.Backend.Configuration;

namespace Traktor.Ecs.Net.Backend.Http;

/// <summary>Turns <c>Online:ForwardedHeaders</c> into the framework's forwarded-headers settings, believing only the configured proxies.</summary>
internal static class TrustedProxies
{
    /// <summary>The middleware's settings, or null when no proxy is trusted (then the headers are ignored).</summary>
    /// <exception cref="BackendConfigurationException">An address or network does not parse, or the limit is out of range.</exception>
    public static ForwardedHeadersOptions? Create(TrustedProxyOptions options)
    {
        if (!options.IsConfigured)
        {
            return null;
        }
        var problems = new List<string>();
        var result = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = options.ForwardLimit,
        };
        // The framework trusts loopback by default; only what the operator listed is trusted here.
        result.KnownProxies.Clear();
        result.KnownIPNetworks.Clear();
        foreach (string text in options.KnownProxies)
        {
            if (IPAddress.TryParse(text.Trim(), out var address))
            {
                result.KnownProxies.Add(address);
            }
            else
            {
                problems.Add($"Online:ForwardedHeaders:KnownProxies: '{text}' is not an IP address.");
            }
        }
        foreach (string text in options.KnownNetworks)
        {
            if (System.Net.IPNetwork.TryParse(text.Trim(), out var network))
            {
                result.KnownIPNetworks.Add(network);
            }
            else
            {
                problems.Add($"Online:ForwardedHeaders:KnownNetworks: '{text}' is not a network in CIDR form (10.0.0.0/8).");
            }
        }
        if (options.ForwardLimit is < 1 or > 10)
        {
            problems.Add("Online:ForwardedHeaders:ForwardLimit must be 1 to 10.");
        }
        if (problems.Count > 0)
        {
            throw new BackendConfigurationException("The online backend refuses to start: " + string.Join(" ", problems));
        }
        return result;
    }
}
