def test_minimal_builds(built):
    assert (built / "index.html").is_file()


def test_sample_builds(sample_site):
    assert (sample_site / "index.html").is_file()
