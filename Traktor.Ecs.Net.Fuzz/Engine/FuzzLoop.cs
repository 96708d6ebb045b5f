using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using Traktor.Ecs.Net.Fuzz.Targets;

namespace Traktor.Ecs.Net.Fuzz.Engine;

/// <summary>
/// The coverage-guided loop for one target: replay the corpus (every entry must pass the oracle), then mutate
/// inputs from the queue until the time is up, keeping each input that reaches a new (edge, hit-count bucket) pair
/// and recording each one that breaks the oracle. <see cref="Digest"/> hashes every input executed, in order, with
/// whether it reached new coverage: two runs with the same seed and corpus must end with the same digest (the loop is
/// deterministic only while each execution's coverage depends on its input alone).
/// </summary>
internal sealed class FuzzLoop(IFuzzTarget target, FuzzSettings settings, Watchdog watchdog)
{
    private readonly Probe _probe = new();
    private readonly List<Finding> _findings = new();
    private readonly HashSet<string> _signatures = new();
    private readonly IncrementalHash _digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _record = new byte[5];
    private long _maxAllocated;

    public FuzzResult Run(IReadOnlyList<byte[]> corpus, TimeSpan duration)
    {
        CoverageMap.ForgetAll();
        var clock = Stopwatch.StartNew();
        var queue = new List<byte[]>();
        long executions = 0;
        foreach (var input in corpus)
        {
            executions++;
            Execute(input);
            queue.Add(input); // every corpus entry stays a parent, new coverage or not
        }
        if (queue.Count == 0) queue.Add([]);

        var mutator = new Mutator(settings.Seed, settings.MaxLength);
        var deadline = duration;
        long lastReport = 0;
        long mutations = 0;
        while ((settings.Executions is { } executionsWanted ? mutations++ < executionsWanted : clock.Elapsed < deadline)
            && (settings.KeepGoing || _findings.Count == 0))
        {
            // Newer queue entries are likelier parents: they are where coverage last grew.
            int pick = mutator.Random.Next(4) == 0 ? queue.Count - 1 - mutator.Random.Next(Math.Min(queue.Count, 16)) : mutator.Random.Next(queue.Count);
            var child = mutator.Mutate(queue[pick], queue);
            executions++;
            if (Execute(child)) queue.Add(child.ToArray());
            if (settings.Verbose && clock.ElapsedMilliseconds - lastReport >= 10_000)
            {
                lastReport = clock.ElapsedMilliseconds;
                Console.WriteLine($"fuzz: {target.Name}: {clock.Elapsed.TotalSeconds:0} s, {executions:N0} execs, {CoverageMap.Edges} edges, queue {queue.Count}, {_findings.Count} findings");
            }
        }
        if (settings.QueueDirectory is { } directory) SaveQueue(directory, queue.Skip(corpus.Count));
        return new FuzzResult(target.Name, clock.Elapsed.TotalSeconds, executions, corpus.Count, CoverageMap.Edges, queue.Count, _maxAllocated, target.AllocationBudget, _findings,
            Digest);
    }

    /// <summary>Runs one input against the oracle; true when it reached new coverage.</summary>
    public bool Execute(ReadOnlySpan<byte> input)
    {
        CoverageMap.Reset();
        _probe.Reset();
        watchdog.Arm(target.Name, input);
        Finding? finding = null;
        try
        {
            target.Execute(input, _probe);
        }
        catch (InvariantBrokenException e)
        {
            finding = new Finding(target.Name, "invariant", e.Message, e.StackTrace, input.ToArray());
        }
        catch (Exception e)
        {
            string where = _probe.Began ? "exception" : "setup exception";
            finding = new Finding(target.Name, where, $"{e.GetType().Name}: {e.Message}{Environment.NewLine}{TopFrame(e)}", e.ToString(), input.ToArray());
        }
        finally
        {
            watchdog.Disarm();
        }
        _probe.End();
        _maxAllocated = Math.Max(_maxAllocated, _probe.Allocated);
        if (finding is null && _probe.Allocated > target.AllocationBudget)
        {
            finding = new Finding(target.Name, "allocation", $"the hostile phase allocated {_probe.Allocated:N0} bytes (budget {target.AllocationBudget:N0})", null, input.ToArray());
        }
        if (finding is not null) Report(finding);
        bool fresh = CoverageMap.Merge();
        BinaryPrimitives.WriteInt32LittleEndian(_record, input.Length);
        _record[4] = (byte)(fresh ? 1 : 0);
        _digest.AppendData(_record);
        _digest.AppendData(input);
        return fresh;
    }

    /// <summary>SHA-256 (16 hex digits) of every input executed so far, each with its length and whether it grew coverage.</summary>
    public string Digest => Convert.ToHexString(_digest.GetCurrentHash())[..16].ToLowerInvariant();

    public IReadOnlyList<Finding> Findings => _findings;

    private void Report(Finding finding)
    {
        _findings.Add(finding);
        if (settings.Quiet || !_signatures.Add(finding.Signature)) return;
        string path = settings.Save(finding.Target, finding.Input, finding.Kind);
        File.WriteAllText(path + ".txt", $"{finding.Kind}: {finding.Message}{Environment.NewLine}{finding.Detail}{Environment.NewLine}");
        Console.Error.WriteLine($"fuzz: {finding.Target}: FOUND {finding.Kind}: {finding.Message}");
        Console.Error.WriteLine($"fuzz: {finding.Target}: input saved to {path}");
    }

    private static string TopFrame(Exception e)
    {
        var frames = new StackTrace(e, fNeedFileInfo: true).GetFrames();
        var ours = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Traktor", StringComparison.Ordinal) == true) ?? frames.FirstOrDefault();
        var method = ours?.GetMethod();
        return method is null ? "(no frame)" : $"at {method.DeclaringType?.FullName}.{method.Name}";
    }

    private static void SaveQueue(string directory, IEnumerable<byte[]> inputs)
    {
        Directory.CreateDirectory(directory);
        foreach (var input in inputs)
        {
            File.WriteAllBytes(Path.Combine(directory, Convert.ToHexString(SHA1.HashData(input))[..16].ToLowerInvariant()), input);
        }
    }
}
