namespace Traktor.Ecs.Net.Diagnostics;

/// <summary>A client or server whose connections' statistics the per-connection gauges read.</summary>
internal interface INetStatsSource
{
    /// <summary>Appends one entry per live connection; called from the metrics collector's thread.</summary>
    void CollectStats(List<(ulong ClientId, string Role, NetStats Stats)> into);

    /// <summary>
    /// Grows whenever the statistics <see cref="CollectStats"/> reports may have changed (an update received, sent or
    /// ended connections): equal values mean a snapshot taken in between is still exact.
    /// </summary>
    long StatsVersion { get; }
}
