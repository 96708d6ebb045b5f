namespace Traktor.Ecs.Net.Transport;

/// <summary>How an authenticated peer broke the protocol or its budgets (the tag of the violations metric).</summary>
internal enum ViolationKind : byte
{
    /// <summary>A compressed packet on a connection that did not negotiate compression, or one that does not decompress.</summary>
    Compression,
    /// <summary>A message record with no data.</summary>
    EmptyRecord,
    /// <summary>More message records in one packet than the protocol allows.</summary>
    RecordCount,
    /// <summary>A payload whose ack header or records do not parse.</summary>
    Malformed,
    /// <summary>An update in which the connection exceeded its per-update budgets.</summary>
    OverBudget,
    /// <summary>A reliable window held records behind an id the peer left missing for longer than the connection's timeout.</summary>
    MissingReliableId,
}

/// <summary>Names of <see cref="ViolationKind"/> values on the meter.</summary>
internal static class ViolationKindNames
{
    public static string MetricName(this ViolationKind kind) => kind switch
    {
        ViolationKind.Compression => "compression",
        ViolationKind.EmptyRecord => "empty_record",
        ViolationKind.RecordCount => "record_count",
        ViolationKind.Malformed => "malformed",
        ViolationKind.MissingReliableId => "missing_reliable_id",
        _ => "budget",
    };
}
