namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>A client or server whose connections' statistics the per-connection gauges read.</summary>
internal interface INetStatsSource
{
    /// <summary>Appends one entry per live connection; called from the metrics collector's thread.</summary>
    void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into);
}
