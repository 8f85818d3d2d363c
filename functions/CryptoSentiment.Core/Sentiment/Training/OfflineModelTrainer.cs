using System.Globalization;

namespace CryptoSentiment.Sentiment.Training;

/// <summary>Knobs of <see cref="OfflineModelTrainer"/>. The defaults produce the committed <c>offline-v2.json</c>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Model name written into the file (reported as <see cref="SentimentResult.Model"/>).</summary>
    public string Name { get; init; } = "offline-v2";
    /// <summary>A word/bigram feature is kept when it occurs in at least this many training texts.</summary>
    public int MinCount { get; init; } = 2;
    /// <summary>L2 penalty on the weights (the loss is the weighted mean log-loss).</summary>
    public double L2 { get; init; } = 2e-4;
    /// <summary>Weight every class equally in total (the training sets are mostly neutral; crypto news is not).</summary>
    public bool BalanceClasses { get; init; } = true;
    /// <summary>L-BFGS iteration cap.</summary>
    public int MaxIterations { get; init; } = 400;
    /// <summary>Stop when the relative loss improvement falls below this.</summary>
    public double Tolerance { get; init; } = 1e-8;
    /// <summary>Sample weight of weakly labelled examples (source starting <c>weak:</c>) relative to human-labelled ones.</summary>
    public double WeakWeight { get; init; } = 0.5;
    /// <summary>L-BFGS history size.</summary>
    public int History { get; init; } = 10;
}

/// <summary>What <see cref="OfflineModelTrainer.Train"/> produced.</summary>
public sealed record TrainingResult(OfflineModelDefinition Model, int Examples, int Features, int Iterations, double Loss);

/// <summary>
/// Trains the offline v2 model: multinomial logistic regression with L2, fitted by full-batch L-BFGS from zero
/// weights in a fixed order — no randomness, so the same data and options always give the same file.
/// </summary>
public static class OfflineModelTrainer
{
    private const int K = 3;

    /// <summary>Featurises <paramref name="examples"/>, fits the model and returns its definition.</summary>
    public static TrainingResult Train(IReadOnlyList<TrainingExample> examples, TrainingOptions? options = null, HeadlineFeaturizer? featurizer = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        options ??= new TrainingOptions();
        featurizer ??= HeadlineFeaturizer.Default;
        if (examples.Count == 0) throw new ArgumentException("No training examples.", nameof(examples));

        var data = Featurize(examples, options, featurizer);
        log?.Invoke($"featurised {examples.Count:N0} texts into {data.Names.Length:N0} features ({data.Values.Length:N0} non-zeros)");

        var weights = new double[data.Names.Length * K + K];
        var (loss, iterations) = Minimize(data, options, weights, log);

        var model = new OfflineModelDefinition
        {
            Name = options.Name,
            Description = "Multinomial logistic regression over headline unigrams (NOT_ negation scopes), bigrams, crypto token normalisation "
                + "and the hand-written crypto lexicon's verdict (offline-lexicon-v1). Trained by `crypto-sentiment train`; weights only, no training rows.",
            Training = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["examples"] = Inv(examples.Count),
                ["sources"] = string.Join(", ", examples.GroupBy(e => e.Source).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")),
                ["labels"] = string.Join(", ", examples.GroupBy(e => e.Label).OrderBy(g => g.Key).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}")),
                ["minCount"] = Inv(options.MinCount),
                ["l2"] = options.L2.ToString("R", CultureInfo.InvariantCulture),
                ["balanceClasses"] = options.BalanceClasses ? "true" : "false",
                ["weakWeight"] = options.WeakWeight.ToString("R", CultureInfo.InvariantCulture),
                ["optimizer"] = $"L-BFGS m={options.History}, {iterations} iterations, loss {loss.ToString("0.000000", CultureInfo.InvariantCulture)}",
            },
            Bias = Centered(weights.AsSpan(data.Names.Length * K, K)),
        };
        for (var f = 0; f < data.Names.Length; f++)
        {
            var w = Centered(weights.AsSpan(f * K, K));
            if (w.Any(x => OfflineModelDefinition.Num(x) != "0"))
                model.Weights[data.Names[f]] = w;
        }
        return new TrainingResult(model, examples.Count, model.Weights.Count, iterations, loss);
    }

    private static string Inv(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static double[] Centered(ReadOnlySpan<double> w)
    {
        var mean = (w[0] + w[1] + w[2]) / 3;
        return [w[0] - mean, w[1] - mean, w[2] - mean];
    }

    /// <summary>Sparse rows (CSR) over a vocabulary sorted by name.</summary>
    private sealed record Dataset(string[] Names, int[] RowStart, int[] Columns, float[] Values, int[] Labels, double[] SampleWeights);

    private static Dataset Featurize(IReadOnlyList<TrainingExample> examples, TrainingOptions options, HeadlineFeaturizer featurizer)
    {
        var docs = new List<(ulong Hash, float Value)[]>(examples.Count);
        var names = new Dictionary<ulong, string>();
        var docCount = new Dictionary<ulong, int>();
        var nameList = new List<string>();
        foreach (var e in examples)
        {
            var max = HeadlineFeaturizer.MaxFeatures(e.Text.Length);
            var hashes = new ulong[max];
            var values = new float[max];
            nameList.Clear();
            var n = featurizer.Extract(e.Text, hashes, values, nameList);
            // merge duplicates within the text (values add up), in first-seen order
            var merged = new List<(ulong, float)>(n);
            var at = new Dictionary<ulong, int>(n);
            for (var i = 0; i < n; i++)
            {
                if (at.TryGetValue(hashes[i], out var j)) { merged[j] = (hashes[i], merged[j].Item2 + values[i]); continue; }
                at[hashes[i]] = merged.Count;
                merged.Add((hashes[i], values[i]));
                if (names.TryGetValue(hashes[i], out var known))
                {
                    if (known != nameList[i]) throw new InvalidOperationException($"Feature hash collision: '{known}' and '{nameList[i]}'.");
                }
                else names[hashes[i]] = nameList[i];
                docCount[hashes[i]] = docCount.GetValueOrDefault(hashes[i]) + 1;
            }
            docs.Add([.. merged]);
        }

        var vocabulary = names
            .Where(kv => docCount[kv.Key] >= options.MinCount || kv.Value.StartsWith("__", StringComparison.Ordinal))
            .Select(kv => kv.Value).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<ulong, int>(vocabulary.Length);
        for (var i = 0; i < vocabulary.Length; i++) index[HeadlineFeaturizer.Hash(vocabulary[i])] = i;

        var rowStart = new int[docs.Count + 1];
        var columns = new List<int>();
        var vals = new List<float>();
        for (var d = 0; d < docs.Count; d++)
        {
            foreach (var (h, v) in docs[d])
                if (index.TryGetValue(h, out var col)) { columns.Add(col); vals.Add(v); }
            rowStart[d + 1] = columns.Count;
        }

        var labels = new int[examples.Count];
        var perClass = new int[K];
        for (var i = 0; i < labels.Length; i++) perClass[labels[i] = (int)examples[i].Label + 1]++;
        var sampleWeights = new double[labels.Length];
        for (var i = 0; i < labels.Length; i++)
            sampleWeights[i] = (options.BalanceClasses ? (double)labels.Length / (K * perClass[labels[i]]) : 1.0)
                * (examples[i].Source.StartsWith(TrainingCorpus.WeakSourcePrefix, StringComparison.Ordinal) ? options.WeakWeight : 1.0);
        return new Dataset(vocabulary, rowStart, [.. columns], [.. vals], labels, sampleWeights);
    }

    /// <summary>Weighted mean log-loss + L2/2·‖W‖² (bias not penalised) and its gradient.</summary>
    private static double Objective(Dataset data, double[] l2, double[] w, double[] grad)
    {
        Array.Clear(grad);
        var biasAt = data.Names.Length * K;
        double loss = 0, totalWeight = 0;
        Span<double> z = stackalloc double[K];
        for (var d = 0; d < data.Labels.Length; d++)
        {
            for (var k = 0; k < K; k++) z[k] = w[biasAt + k];
            for (var j = data.RowStart[d]; j < data.RowStart[d + 1]; j++)
            {
                var o = data.Columns[j] * K;
                double v = data.Values[j];
                for (var k = 0; k < K; k++) z[k] += v * w[o + k];
            }
            var max = Math.Max(z[0], Math.Max(z[1], z[2]));
            double sum = 0;
            for (var k = 0; k < K; k++) sum += Math.Exp(z[k] - max);
            var logSum = max + Math.Log(sum);
            var y = data.Labels[d];
            var s = data.SampleWeights[d];
            loss += s * (logSum - z[y]);
            totalWeight += s;
            for (var k = 0; k < K; k++)
            {
                var delta = s * (Math.Exp(z[k] - logSum) - (k == y ? 1 : 0));
                grad[biasAt + k] += delta;
                for (var j = data.RowStart[d]; j < data.RowStart[d + 1]; j++)
                    grad[data.Columns[j] * K + k] += delta * data.Values[j];
            }
        }
        loss /= totalWeight;
        double penalty = 0;
        for (var i = 0; i < biasAt; i++)
        {
            var lambda = l2[i / K];
            grad[i] = grad[i] / totalWeight + lambda * w[i];
            penalty += lambda * w[i] * w[i];
        }
        for (var i = biasAt; i < grad.Length; i++) grad[i] /= totalWeight;
        return loss + 0.5 * penalty;
    }

    /// <summary>Full-batch L-BFGS with backtracking (Armijo) line search; updates <paramref name="x"/> in place.</summary>
    private static (double Loss, int Iterations) Minimize(Dataset data, TrainingOptions options, double[] x, Action<string>? log)
    {
        var dim = x.Length;
        var g = new double[dim];
        var gNew = new double[dim];
        var xNew = new double[dim];
        var dir = new double[dim];
        var l2 = new double[data.Names.Length];
        Array.Fill(l2, options.L2);
        var f = Objective(data, l2, x, g);
        var sHist = new List<double[]>();
        var yHist = new List<double[]>();
        var rhoHist = new List<double>();
        var alpha = new double[options.History];
        var iteration = 0;
        while (iteration < options.MaxIterations)
        {
            iteration++;
            // two-loop recursion: dir = −H·g
            for (var i = 0; i < dim; i++) dir[i] = -g[i];
            for (var h = sHist.Count - 1; h >= 0; h--)
            {
                alpha[h] = rhoHist[h] * Dot(sHist[h], dir);
                Axpy(-alpha[h], yHist[h], dir);
            }
            if (sHist.Count > 0)
            {
                var last = sHist.Count - 1;
                Scale(dir, Dot(sHist[last], yHist[last]) / Dot(yHist[last], yHist[last]));
            }
            else Scale(dir, 1.0 / Math.Max(1e-12, Math.Sqrt(Dot(g, g))));
            for (var h = 0; h < sHist.Count; h++)
            {
                var beta = rhoHist[h] * Dot(yHist[h], dir);
                Axpy(alpha[h] - beta, sHist[h], dir);
            }

            var slope = Dot(g, dir);
            if (slope >= 0)
            {
                // not a descent direction: restart from steepest descent
                sHist.Clear(); yHist.Clear(); rhoHist.Clear();
                for (var i = 0; i < dim; i++) dir[i] = -g[i] / Math.Max(1e-12, Math.Sqrt(Dot(g, g)));
                slope = Dot(g, dir);
            }
            double step = 1, fNew;
            var accepted = false;
            for (var tries = 0; tries < 40; tries++)
            {
                for (var i = 0; i < dim; i++) xNew[i] = x[i] + step * dir[i];
                fNew = Objective(data, l2, xNew, gNew);
                if (fNew <= f + 1e-4 * step * slope)
                {
                    accepted = true;
                    var s = new double[dim];
                    var y = new double[dim];
                    for (var i = 0; i < dim; i++) { s[i] = xNew[i] - x[i]; y[i] = gNew[i] - g[i]; }
                    var sy = Dot(s, y);
                    if (sy > 1e-12)
                    {
                        if (sHist.Count == options.History) { sHist.RemoveAt(0); yHist.RemoveAt(0); rhoHist.RemoveAt(0); }
                        sHist.Add(s); yHist.Add(y); rhoHist.Add(1 / sy);
                    }
                    var improvement = (f - fNew) / Math.Max(1, Math.Abs(f));
                    Array.Copy(xNew, x, dim);
                    Array.Copy(gNew, g, dim);
                    f = fNew;
                    if (iteration % 50 == 0) log?.Invoke($"iteration {iteration}: loss {f:F6}");
                    if (improvement < options.Tolerance) return (f, iteration);
                    break;
                }
                step *= 0.5;
            }
            if (!accepted) break;
        }
        return (f, iteration);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (var i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static void Scale(double[] x, double a)
    {
        for (var i = 0; i < x.Length; i++) x[i] *= a;
    }
}
