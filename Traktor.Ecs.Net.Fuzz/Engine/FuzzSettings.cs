using System.Security.Cryptography;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>Command-line settings of a run.</summary>
internal sealed class FuzzSettings
{
    public required string CorpusDirectory { get; init; }
    public required string FindingsDirectory { get; init; }
    public int Seed { get; init; } = 1;
    public int MaxLength { get; init; } = 4096;
    public bool KeepGoing { get; init; }
    public bool Verbose { get; init; }
    public bool Quiet { get; init; }
    public string? QueueDirectory { get; init; }
    public string? ReportFile { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When set, each target mutates exactly this many inputs whatever the time (<c>--executions N</c>): with the same
    /// seed, two such runs execute the same inputs, which a time limit cannot promise (a busy machine runs fewer).
    /// </summary>
    public long? Executions { get; init; }

    /// <summary>Saves an input under findings/&lt;target&gt;/&lt;kind&gt;-&lt;hash&gt;; returns the path.</summary>
    public string Save(string target, byte[] input, string kind = "hang")
    {
        string folder = Path.Combine(FindingsDirectory, target);
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{kind.Replace(' ', '-')}-{Convert.ToHexString(SHA1.HashData(input))[..16].ToLowerInvariant()}");
        File.WriteAllBytes(path, input);
        return path;
    }
}
