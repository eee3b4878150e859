package analysis

// Scores of the Loghub benchmark, as the Loghub-2.0 evaluator computes them.

// groupingScores returns grouping accuracy (the share of lines whose
// ground-truth group is predicted exactly: one predicted group holding
// exactly its lines) and FGA (the F1 of such correct groups).
func groupingScores(truth, pred []string) (ga, fga float64) {
	truthGroups := groupLines(truth)
	predGroups := groupLines(pred)
	correctLines, correctGroups := 0, 0
	for _, lines := range truthGroups {
		p := pred[lines[0]]
		if len(predGroups[p]) == len(lines) && allEqual(pred, lines, p) {
			correctLines += len(lines)
			correctGroups++
		}
	}
	ga = float64(correctLines) / float64(len(truth))
	if correctGroups == 0 {
		return ga, 0
	}
	precision := float64(correctGroups) / float64(len(predGroups))
	recall := float64(correctGroups) / float64(len(truthGroups))
	return ga, 2 * precision * recall / (precision + recall)
}

func groupLines(labels []string) map[string][]int {
	g := make(map[string][]int)
	for i, l := range labels {
		g[l] = append(g[l], i)
	}
	return g
}

func allEqual(labels []string, lines []int, want string) bool {
	for _, i := range lines {
		if labels[i] != want {
			return false
		}
	}
	return true
}

// parsingAccuracy is the share of lines whose template text equals the
// ground truth's.
func parsingAccuracy(truth, pred []string) float64 {
	n := 0
	for i := range truth {
		if truth[i] == pred[i] {
			n++
		}
	}
	return float64(n) / float64(len(truth))
}
