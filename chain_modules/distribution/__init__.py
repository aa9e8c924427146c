"""distribution: block fees to the validators that signed, commission to operators, and the rest
to delegators with F1 lazy accounting (O(1) work per block whatever the number of delegators)."""
